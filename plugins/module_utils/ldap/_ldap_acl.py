# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What an Active Directory ACL lets the integration account do (pure functions). PRIVATE to this collection.

Active Directory does not refuse a search the account may not make: a container whose List Contents is
denied answers a one-level or subtree search with success and no entries, and an attribute whose Read
Property is denied is simply left out of the entry. Read as they come, both look like an empty container
or a user without the attribute. The audit therefore reads, as the integration account, the DACL of the
container (``nTSecurityDescriptor`` with the SD flags control, DACL only; Authenticated Users may read it
by default) and the SIDs of its own token (``tokenGroups`` of the root DSE), and decides here, as the
directory's access check would, whether List Contents or Read Property of one attribute is granted.

The check is the access check for one right: the ACEs in order, inherit-only ones skipped, those whose
SID is in the token and whose mask holds the right; an object ACE counts only when it has no object
type or names the attribute (schemaIDGUID) or its property set (attributeSecurityGUID). The first such
ACE decides; none means not granted.
"""

from __future__ import annotations

import struct
import uuid

LIST_CONTENTS = 0x00000004  # ADS_RIGHT_ACTRL_DS_LIST
READ_PROPERTY = 0x00000010  # ADS_RIGHT_DS_READ_PROP
READ_CONTROL = 0x00020000
_GENERIC_READ, _GENERIC_ALL = 0x80000000, 0x10000000
_GENERIC_READ_MAPPED = 0x00020094  # READ_CONTROL | LIST_CONTENTS | READ_PROPERTY | LIST_OBJECT
_GENERIC_ALL_MAPPED = 0x000F01FF
_ALLOWED, _DENIED, _ALLOWED_OBJECT, _DENIED_OBJECT = 0x00, 0x01, 0x05, 0x06
_INHERIT_ONLY = 0x08
_SE_DACL_PRESENT = 0x0004
SD_FLAGS_DACL = 0x04
RIGHT_NAMES = {LIST_CONTENTS: 'List Contents', READ_PROPERTY: 'Read Property'}
AUTHENTICATED = frozenset(('S-1-1-0', 'S-1-5-11'))  # Everyone, Authenticated Users
WELL_KNOWN = {'S-1-1-0': 'Everyone', 'S-1-5-11': 'Authenticated Users', 'S-1-5-2': 'Network', 'S-1-5-10': 'Self'}


class AclError(ValueError):
    """A security descriptor or SID that cannot be read."""


def sid_text(data, offset=0):
    """A binary SID -> (its S-1-... text, offset after it)."""
    try:
        revision, count = data[offset], data[offset + 1]
        authority = int.from_bytes(data[offset + 2:offset + 8], 'big')
        subs = struct.unpack_from('<%dI' % count, data, offset + 8)
    except (IndexError, struct.error):
        raise AclError('truncated SID at offset %d' % offset) from None
    return 'S-%d-%d%s' % (revision, authority, ''.join('-%d' % s for s in subs)), offset + 8 + 4 * count


def sid_name(sid):
    return '%s (%s)' % (sid, WELL_KNOWN[sid]) if sid in WELL_KNOWN else sid


def guid_text(data):
    """A binary GUID (objectGUID, schemaIDGUID: little-endian fields) -> its usual text."""
    return str(uuid.UUID(bytes_le=bytes(data)))


def parse_dacl(descriptor):
    """The DACL of a self-relative security descriptor -> list of ACEs (dicts), or None for a NULL DACL (all access).

    ACE: allow (bool), flags, mask, object_type and inherited_object_type (GUID text or None), sid (text).
    ACE types the access check for a right of the directory does not use (audit, callback) are left out.
    """
    try:
        control, dacl_offset = struct.unpack_from('<H', descriptor, 2)[0], struct.unpack_from('<I', descriptor, 16)[0]
    except struct.error:
        raise AclError('security descriptor of %d bytes is truncated' % len(descriptor)) from None
    if not control & _SE_DACL_PRESENT or dacl_offset == 0:
        return None
    try:
        count = struct.unpack_from('<H', descriptor, dacl_offset + 4)[0]
    except struct.error:
        raise AclError('DACL offset %d is outside the descriptor' % dacl_offset) from None
    aces, i = [], dacl_offset + 8
    for dummy in range(count):
        try:
            ace_type, flags, size = descriptor[i], descriptor[i + 1], struct.unpack_from('<H', descriptor, i + 2)[0]
        except (IndexError, struct.error):
            raise AclError('ACE at offset %d is truncated' % i) from None
        if size < 8 or i + size > len(descriptor):
            raise AclError('ACE at offset %d has a bad size %d' % (i, size))
        if ace_type in (_ALLOWED, _DENIED, _ALLOWED_OBJECT, _DENIED_OBJECT):
            mask = struct.unpack_from('<I', descriptor, i + 4)[0]
            j, object_type, inherited = i + 8, None, None
            if ace_type in (_ALLOWED_OBJECT, _DENIED_OBJECT):
                present = struct.unpack_from('<I', descriptor, j)[0]
                j += 4
                if present & 1:
                    object_type, j = guid_text(descriptor[j:j + 16]), j + 16
                if present & 2:
                    inherited, j = guid_text(descriptor[j:j + 16]), j + 16
            sid, dummy2 = sid_text(descriptor[:i + size], j)
            aces.append({'allow': ace_type in (_ALLOWED, _ALLOWED_OBJECT), 'flags': flags, 'mask': mask, 'object_type': object_type,
                         'inherited_object_type': inherited, 'sid': sid})
        i += size
    return aces


def _mapped(mask):
    if mask & _GENERIC_READ:
        mask |= _GENERIC_READ_MAPPED
    if mask & _GENERIC_ALL:
        mask |= _GENERIC_ALL_MAPPED
    return mask


def access(aces, token, right, object_types=()):
    """Whether ``token`` (a set of SID texts) has ``right``: ('granted' | 'denied' | 'not-granted', the deciding ACE or None).

    ``object_types``: the GUID texts an object ACE may name to count (an attribute's schemaIDGUID and
    attributeSecurityGUID for Read Property; none for List Contents).
    """
    if aces is None:
        return 'granted', None
    wanted = {t.lower() for t in object_types if t}
    for ace in aces:
        if ace['flags'] & _INHERIT_ONLY or ace['sid'] not in token or not _mapped(ace['mask']) & right:
            continue
        if ace['object_type'] is not None and ace['object_type'].lower() not in wanted:
            continue
        return ('granted' if ace['allow'] else 'denied'), ace
    return 'not-granted', None


def describe(verdict, ace, right):
    """'List Contents is denied by the ACE (deny, S-1-5-21-...)' and the like, for a finding's detail."""
    name = RIGHT_NAMES.get(right, 'right 0x%x' % right)
    if verdict == 'denied':
        return '%s is denied to it by an ACE for %s%s' % (name, sid_name(ace['sid']), ' (inherited)' if ace['flags'] & 0x10 else '')
    if verdict == 'not-granted':
        return '%s is granted to none of its SIDs' % name
    return '%s is granted' % name
