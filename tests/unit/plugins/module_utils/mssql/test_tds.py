# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""TDS PRELOGIN request and reply parser: golden vectors, broken replies, fuzzing."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from ansible_collections.safeq.preflight.plugins.module_utils.mssql import _tds

MINIMAL = '120100290000010000001500060100 1b0001 02001c0001 03001d0004 ff 090000000000 00 00 00000000'
SQL2000 = '0401002500000100 0000150006 01001b0001 02001c0001 03001d0000 ff 080000c20000 00 00'


def _hex(text):
    return bytes.fromhex(text.replace(' ', ''))


def test_request_is_the_documented_41_byte_probe():
    assert _tds.build_prelogin() == _hex(MINIMAL)


def test_sql2000_reply_seen_by_nmap():
    reply = _tds.parse_prelogin_response(_hex(SQL2000))
    assert (reply['version'], reply['product'], reply['encryption']) == ('8.0.194', 'SQL Server 2000', 'off')


@pytest.mark.parametrize('major, minor, build, product', [
    (10, 0, 1600, 'SQL Server 2008'), (10, 50, 1600, 'SQL Server 2008 R2'), (11, 0, 2100, 'SQL Server 2012'),
    (12, 0, 2000, 'SQL Server 2014'), (13, 0, 1601, 'SQL Server 2016'), (14, 0, 1000, 'SQL Server 2017'),
    (15, 0, 2000, 'SQL Server 2019'), (16, 0, 1000, 'SQL Server 2022'),
])
def test_versions(major, minor, build, product):
    reply = _tds.parse_prelogin_response(_tds.build_prelogin_response(major, minor, build))
    assert reply['product'] == product and reply['version'] == '%d.%d.%d' % (major, minor, build)


@pytest.mark.parametrize('raw, name, cert', [(0x00, 'off', False), (0x01, 'on', False), (0x02, 'not-supported', False),
                                             (0x03, 'required', False), (0x83, 'required', True)])
def test_encryption_values(raw, name, cert):
    reply = _tds.parse_prelogin_response(_tds.build_prelogin_response(15, 0, 2000, encryption=raw))
    assert (reply['encryption'], reply['client_cert'], reply['encryption_raw']) == (name, cert, raw)


def test_newer_servers_add_options_and_are_walked_not_assumed():
    extra = [(_tds.MARS, b'\x00'), (_tds.FEDAUTHREQUIRED, b'\x01')]
    reply = _tds.parse_prelogin_response(_tds.build_prelogin_response(16, 0, 1000, extra_options=extra))
    assert reply['options'] == [0, 1, 2, 3, 4, 6]


@pytest.mark.parametrize('data, message', [
    (b'\x04\x01\x00', 'shorter than the 8-byte'),
    (_hex(SQL2000)[:20], 'truncated reply'),
    (b'\x12' + _hex(SQL2000)[1:], 'not a tabular result'),
    (_hex(SQL2000)[:1] + b'\x00' + _hex(SQL2000)[2:], 'EOM not set'),
    (_hex('0401000d00000100 0000050000'), 'no terminator'),
    (_hex('0401000e00000100 010006000100ff'.replace(' ', '')[:28] + '00'), 'points outside'),
    (_hex('0401001a00000100 01000b0001 00000c0006 ff 00 090000000000'), 'first option is not VERSION'),
])
def test_broken_replies(data, message):
    with pytest.raises(_tds.TdsParseError, match=message):
        _tds.parse_prelogin_response(data)


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=300))
def test_fuzz_only_the_parse_error_escapes(data):
    try:
        _tds.parse_prelogin_response(data)
    except _tds.TdsParseError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=1, max_size=64))
def test_fuzz_mutated_payloads(noise):
    packet = bytearray(_hex(SQL2000))
    for index, value in enumerate(noise[:len(packet)]):
        if value % 3 == 0:
            packet[index % len(packet)] ^= value
    try:
        _tds.parse_prelogin_response(bytes(packet))
    except _tds.TdsParseError:
        pass
