# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""BER definite-length elements (X.690), the small part the LDAP and SNMP codecs share. PRIVATE to this collection."""

from __future__ import annotations


class BerError(ValueError):
    """Length octets that are not a definite length this codec reads."""


def tlv(tag, payload):
    """A BER element: tag, definite length (short or long form), content."""
    size = len(payload)
    if size < 0x80:
        return bytes((tag, size)) + payload
    length = size.to_bytes((size.bit_length() + 7) // 8, 'big')
    return bytes((tag, 0x80 | len(length))) + length + payload


def integer(tag, value):
    """A BER INTEGER or ENUMERATED (``tag``) in the fewest two's-complement octets."""
    return tlv(tag, value.to_bytes(max(1, (value.bit_length() + 8) // 8), 'big', signed=True))


def length(data, i, max_octets=4):
    """(length, index of the content) for the length octets at ``i``: the short form, or a long form of 1 to
    ``max_octets`` octets (non-minimal forms included, as Active Directory sends them)."""
    if i >= len(data):
        raise BerError('truncated BER length at offset %d' % i)
    size = data[i]
    if size < 0x80:
        return size, i + 1
    count = size & 0x7f
    if not 0 < count <= max_octets or i + 1 + count > len(data):
        raise BerError('unsupported BER length at offset %d' % i)
    return int.from_bytes(data[i + 1:i + 1 + count], 'big'), i + 1 + count
