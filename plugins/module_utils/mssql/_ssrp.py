# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SQL Server Resolution Protocol [MC-SQLR] (SQL Server Browser, UDP 1434): requests and a strict parser.

PRIVATE to this collection. Pure functions on bytes; the only exception that escapes the parsers is
SsrpParseError.

Public clients get the response grammar wrong (impacket splits records on ';;', which breaks on the
empty values of SQL 2000's ``bv`` key). This parser walks the tokens with a per-key arity instead.
"""

from __future__ import annotations

import re
import struct

CLNT_BCAST_EX = 0x02
CLNT_UCAST_EX = 0x03
CLNT_UCAST_INST = 0x04
CLNT_UCAST_DAC = 0x0F
SVR_RESP = 0x05
MAX_INSTANCE_NAME_BYTES = 32
DEFAULT_INSTANCE = 'MSSQLSERVER'
# Keys of a record and how many values follow each (case-insensitive). Unknown keys take one value.
ARITY = {'servername': 1, 'instancename': 1, 'isclustered': 1, 'version': 1, 'tcp': 1, 'np': 1, 'via': 1, 'rpc': 1, 'spx': 1,
         'adsp': 1, 'bv': 3}
REQUIRED = ('servername', 'instancename', 'isclustered', 'version')
TRANSPORTS = ('tcp', 'np', 'via', 'rpc', 'spx', 'adsp', 'bv')
MAX_VALUE_BYTES = 255
MAX_VIA_BYTES = 128
# ASCII digits only: str.isdigit() also accepts characters such as '\xb3' (superscript three) that int() refuses.
_DIGITS = re.compile(r'^[0-9]+$')


class SsrpParseError(ValueError):
    """A Browser reply that does not follow MC-SQLR."""


def _instance_bytes(instance):
    name = instance.encode('latin-1') if isinstance(instance, str) else bytes(instance)
    if not name or len(name) > MAX_INSTANCE_NAME_BYTES or b'\x00' in name:
        raise ValueError('an instance name must be 1 to %d bytes without NUL, got %r' % (MAX_INSTANCE_NAME_BYTES, instance))
    return name


def ucast_ex():
    """CLNT_UCAST_EX: list every instance (the server stays silent only when it has none)."""
    return bytes([CLNT_UCAST_EX])


def ucast_inst(instance):
    """CLNT_UCAST_INST for one instance (the server stays silent for an unknown instance)."""
    return bytes([CLNT_UCAST_INST]) + _instance_bytes(instance) + b'\x00'


def ucast_dac(instance):
    """CLNT_UCAST_DAC: the dedicated administrator connection port of one instance."""
    return bytes([CLNT_UCAST_DAC, 0x01]) + _instance_bytes(instance) + b'\x00'


def _header(data):
    if not isinstance(data, (bytes, bytearray)):
        raise SsrpParseError('reply is not bytes')
    if len(data) < 3:
        raise SsrpParseError('reply of %d byte(s) is shorter than the 3-byte header' % len(data))
    if data[0] != SVR_RESP:
        raise SsrpParseError('reply type 0x%02x is not SVR_RESP (0x05)' % data[0])
    return struct.unpack('<H', bytes(data[1:3]))[0]


def split_response(data):
    """The RESP_DATA text of an SVR_RESP, and notes about tolerated irregularities."""
    size = _header(data)
    body = bytes(data[3:])
    notes = []
    if size == 0:
        raise SsrpParseError('RESP_SIZE is 0: no instance data')
    if len(body) < size:
        raise SsrpParseError('truncated reply: RESP_SIZE says %d bytes, %d arrived' % (size, len(body)))
    if len(body) > size:
        notes.append('%d byte(s) after RESP_DATA ignored' % (len(body) - size))
    # MBCS in the server's code page: latin-1 decodes every byte losslessly; names are compared case-insensitively.
    text = body[:size].decode('latin-1')
    if any(ord(char) > 0x7e or (ord(char) < 0x20) for char in text):
        notes.append('non-ASCII bytes in the reply (server code page); shown as latin-1')
    return text, notes


def _record(tokens, start):
    """Parse one record from ``tokens[start:]``; return (record, next index)."""
    record = {'other': {}}
    index = start
    while True:
        if index >= len(tokens):
            raise SsrpParseError('record at token %d does not end with ";;"' % start)
        key = tokens[index]
        if key == '':
            index += 1
            break
        arity = ARITY.get(key.lower(), 1)
        values = tokens[index + 1:index + 1 + arity]
        if len(values) < arity:
            raise SsrpParseError('key %r at token %d needs %d value(s), the reply ends first' % (key, index, arity))
        lowered = key.lower()
        if lowered in record or lowered in record['other']:
            raise SsrpParseError('key %r appears twice in one record' % key)
        for value in values:
            limit = MAX_VIA_BYTES if lowered == 'via' else MAX_VALUE_BYTES
            if len(value) > limit:
                raise SsrpParseError('value of %r is %d bytes, more than %d' % (key, len(value), limit))
        if lowered in ARITY:
            record[lowered] = values if arity > 1 else values[0]
        else:
            record['other'][key] = values[0]
        index += 1 + arity
    missing = [key for key in REQUIRED if key not in record]
    if missing:
        raise SsrpParseError('record at token %d lacks %s' % (start, ', '.join(missing)))
    if record['servername'] == '' or record['instancename'] == '':
        raise SsrpParseError('record at token %d has an empty ServerName or InstanceName' % start)
    return record, index


def _instance(record):
    version = record['version']
    if not version or not all(_DIGITS.match(part) for part in version.split('.')):
        raise SsrpParseError('Version %r of instance %s is not dotted digits' % (version, record['instancename']))
    clustered = record['isclustered'].lower()
    if clustered not in ('yes', 'no'):
        raise SsrpParseError('IsClustered %r of instance %s is not Yes or No' % (record['isclustered'], record['instancename']))
    tcp_port = None
    if 'tcp' in record:
        if not _DIGITS.match(record['tcp']) or not 1 <= int(record['tcp']) <= 65535:
            raise SsrpParseError('tcp port %r of instance %s is not 1-65535' % (record['tcp'], record['instancename']))
        tcp_port = int(record['tcp'])
    return {
        'server_name': record['servername'], 'instance_name': record['instancename'], 'is_clustered': clustered == 'yes',
        'version': version, 'tcp_port': tcp_port, 'named_pipe': record.get('np'),
        'other_transports': {key: record[key] for key in ('via', 'rpc', 'spx', 'adsp', 'bv') if key in record},
        'unknown_keys': record['other'],
    }


def parse_response(data):
    """Parse an SVR_RESP to CLNT_UCAST_EX/INST/BCAST_EX: (list of instance dicts, notes)."""
    text, notes = split_response(data)
    if not text.endswith(';;'):
        raise SsrpParseError('RESP_DATA does not end with ";;"')
    tokens = text.split(';')
    instances = []
    index = 0
    while index < len(tokens):
        if index == len(tokens) - 1 and tokens[index] == '':
            break  # the final ";;" leaves one empty token after the last record's terminator
        record, index = _record(tokens, index)
        instances.append(_instance(record))
    if not instances:
        raise SsrpParseError('no instance record in the reply')
    names = [i['instance_name'].lower() for i in instances]
    if len(names) != len(set(names)):
        notes.append('the same instance name appears more than once')
    return instances, notes


def parse_dac(data):
    """Parse the SVR_RESP to CLNT_UCAST_DAC: the DAC TCP port."""
    size = _header(data)
    if size != 6 or len(data) != 6:
        raise SsrpParseError('a DAC reply is 6 bytes with RESP_SIZE 6, got RESP_SIZE %d and %d bytes' % (size, len(data)))
    if data[3] != 0x01:
        raise SsrpParseError('DAC protocol version 0x%02x is not 0x01' % data[3])
    port = struct.unpack('<H', bytes(data[4:6]))[0]
    if port == 0:
        raise SsrpParseError('DAC port 0')
    return port


def find_instance(instances, name):
    """The instance called ``name`` (case-insensitive; None or '' = the default instance MSSQLSERVER)."""
    wanted = (name or DEFAULT_INSTANCE).lower()
    return next((i for i in instances if i['instance_name'].lower() == wanted), None)


def build_response(records, dac_port=None):
    """Encode an SVR_RESP (used by the test responder and golden tests): ``records`` is a list of key/value lists."""
    if dac_port is not None:
        return bytes([SVR_RESP]) + struct.pack('<H', 6) + b'\x01' + struct.pack('<H', dac_port)
    text = ''.join(';'.join(str(v) for v in record) + ';;' for record in records)
    body = text.encode('latin-1')
    return bytes([SVR_RESP]) + struct.pack('<H', len(body)) + body
