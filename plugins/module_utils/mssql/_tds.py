# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""TDS PRELOGIN [MS-TDS 2.2.6.5]: a request that logs nobody in, and a strict parser of the reply.

PRIVATE to this collection. Only TdsParseError escapes the parser. The header, the option table and
VERSION's build number are big-endian; offsets count from the start of the payload (after the header).
"""

from __future__ import annotations

import struct

PRELOGIN = 0x12
TABULAR_RESULT = 0x04
HEADER = struct.Struct('>BBHHBB')
VERSION, ENCRYPTION, INSTOPT, THREADID, MARS, TRACEID, FEDAUTHREQUIRED, NONCEOPT = range(8)
TERMINATOR = 0xFF
ENCRYPTION_NAMES = {0x00: 'off', 0x01: 'on', 0x02: 'not-supported', 0x03: 'required'}
CLIENT_CERT_FLAG = 0x80
# major (and minor for 10.x) -> product, as SQL Server reports it in PRELOGIN VERSION.
PRODUCTS = {8: 'SQL Server 2000', 9: 'SQL Server 2005', 10: 'SQL Server 2008', 11: 'SQL Server 2012', 12: 'SQL Server 2014',
            13: 'SQL Server 2016', 14: 'SQL Server 2017', 15: 'SQL Server 2019', 16: 'SQL Server 2022', 17: 'SQL Server 2025'}
MAX_PACKET = 32767


class TdsParseError(ValueError):
    """A reply that is not a well-formed TDS PRELOGIN response."""


def _packet(packet_type, options):
    """A single-packet TDS message whose payload is the PRELOGIN option table ``options`` [(token, bytes)]."""
    table_size = 5 * len(options) + 1
    table, data, offset = b'', b'', table_size
    for token, value in options:
        table += struct.pack('>BHH', token, offset, len(value))
        data += value
        offset += len(value)
    payload = table + bytes([TERMINATOR]) + data
    return HEADER.pack(packet_type, 0x01, HEADER.size + len(payload), 0, 1, 0) + payload


def build_prelogin(instance='', encryption=0x00):
    """A PRELOGIN request: VERSION, ENCRYPTION (off by default: no TLS follows), INSTOPT, THREADID, terminator."""
    instopt = (instance.encode('latin-1') if instance else b'') + b'\x00'
    return _packet(PRELOGIN, [(VERSION, b'\x09\x00\x00\x00\x00\x00'), (ENCRYPTION, bytes([encryption])), (INSTOPT, instopt),
                              (THREADID, b'\x00\x00\x00\x00')])


def product_name(major, minor):
    """Marketing name of a SQL Server version ("SQL Server 2008 R2" for 10.50)."""
    if major == 10 and minor >= 50:
        return 'SQL Server 2008 R2'
    return PRODUCTS.get(major, 'SQL Server (version %d.%d)' % (major, minor))


def parse_prelogin_response(data):
    """Parse a PRELOGIN reply: {version, major, minor, build, product, encryption, encryption_raw, options}."""
    if not isinstance(data, (bytes, bytearray)):
        raise TdsParseError('reply is not bytes')
    data = bytes(data)
    if len(data) < HEADER.size:
        raise TdsParseError('reply of %d byte(s) is shorter than the 8-byte TDS header' % len(data))
    packet_type, status, length = HEADER.unpack(data[:HEADER.size])[:3]
    if packet_type != TABULAR_RESULT:
        raise TdsParseError('packet type 0x%02x is not a tabular result (0x04)' % packet_type)
    if not status & 0x01:
        raise TdsParseError('the PRELOGIN reply is not a single packet (EOM not set)')
    if length < HEADER.size + 1 or length > MAX_PACKET:
        raise TdsParseError('TDS length %d is out of range' % length)
    if len(data) < length:
        raise TdsParseError('truncated reply: TDS length %d, %d bytes arrived' % (length, len(data)))
    payload = data[HEADER.size:length]
    options, index, seen = {}, 0, []
    while True:
        if index >= len(payload):
            raise TdsParseError('option table has no terminator (0xFF)')
        token = payload[index]
        if token == TERMINATOR:
            break
        if index + 5 > len(payload):
            raise TdsParseError('option table entry at %d is cut short' % index)
        offset, size = struct.unpack('>HH', payload[index + 1:index + 5])
        if offset + size > len(payload):
            raise TdsParseError('option 0x%02x points outside the packet (%d+%d > %d)' % (token, offset, size, len(payload)))
        if token in seen:
            raise TdsParseError('option 0x%02x appears twice' % token)
        seen.append(token)
        options[token] = payload[offset:offset + size]
        index += 5
    if not seen or seen[0] != VERSION:
        raise TdsParseError('the first option is not VERSION')
    version = options[VERSION]
    if len(version) != 6:
        raise TdsParseError('VERSION is %d bytes, not 6' % len(version))
    major, minor, build = version[0], version[1], struct.unpack('>H', version[2:4])[0]
    result = {'major': major, 'minor': minor, 'build': build, 'version': '%d.%d.%d' % (major, minor, build),
              'product': product_name(major, minor), 'encryption': None, 'encryption_raw': None, 'client_cert': False,
              'options': sorted(seen)}
    if ENCRYPTION in options:
        if len(options[ENCRYPTION]) != 1:
            raise TdsParseError('ENCRYPTION is %d bytes, not 1' % len(options[ENCRYPTION]))
        raw = options[ENCRYPTION][0]
        result.update(encryption_raw=raw, client_cert=bool(raw & CLIENT_CERT_FLAG),
                      encryption=ENCRYPTION_NAMES.get(raw & ~CLIENT_CERT_FLAG & 0xFF, 'unknown-0x%02x' % raw))
    return result


def build_prelogin_response(major, minor, build, encryption=0x00, extra_options=()):
    """A server PRELOGIN reply (for the test responder and golden tests)."""
    options = [(VERSION, struct.pack('>BBHH', major, minor, build, 0)), (ENCRYPTION, bytes([encryption])), (INSTOPT, b'\x00'),
               (THREADID, b'')] + list(extra_options)
    return _packet(TABULAR_RESULT, options)
