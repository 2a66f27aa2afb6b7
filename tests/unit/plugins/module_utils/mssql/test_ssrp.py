# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""MC-SQLR requests and the strict reply parser: the spec's examples as golden vectors, broken variants, fuzzing."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings, strategies as st

from ansible_collections.safeq.preflight.plugins.module_utils.mssql import _ssrp

YUKONSTD = 'ServerName;ILSUNG1;InstanceName;YUKONSTD;IsClustered;No;Version;9.00.1399.06;tcp;57137;;'
EX_TEXT = (YUKONSTD + 'ServerName;ILSUNG1;InstanceName;YUKONDEV;IsClustered;No;Version;9.00.1399.06;np;\\\\ILSUNG1\\pipe\\MSSQL$YUKONDEV\\sql\\query;;'
           'ServerName;ILSUNG1;InstanceName;MSSQLSERVER;IsClustered;No;Version;9.00.1399.06;tcp;1433;np;\\\\ILSUNG1\\pipe\\sql\\query;;')


def _resp(text, size=None):
    body = text.encode('latin-1')
    return b'\x05' + struct.pack('<H', len(body) if size is None else size) + body


def test_requests_match_the_spec_examples():
    assert _ssrp.ucast_ex() == b'\x03'
    assert _ssrp.ucast_inst('YUKONSTD') == bytes.fromhex('0459554b4f4e5354440 0'.replace(' ', ''))
    assert _ssrp.ucast_dac('YUKONSTD') == bytes.fromhex('0f0159554b4f4e53544400')


def test_ucast_inst_golden_reply():
    data = _resp(YUKONSTD)
    assert data[:3] == b'\x05\x58\x00'
    instances, notes = _ssrp.parse_response(data)
    assert notes == []
    assert instances == [{'server_name': 'ILSUNG1', 'instance_name': 'YUKONSTD', 'is_clustered': False, 'version': '9.00.1399.06',
                          'tcp_port': 57137, 'named_pipe': None, 'other_transports': {}, 'unknown_keys': {}}]


def test_ucast_ex_golden_reply_with_three_records():
    data = _resp(EX_TEXT)
    assert data[:3] == b'\x05\x47\x01'  # 0x0147 = 327, as in MC-SQLR section 4
    instances, dummy = _ssrp.parse_response(data)
    assert [(i['instance_name'], i['tcp_port']) for i in instances] == [('YUKONSTD', 57137), ('YUKONDEV', None), ('MSSQLSERVER', 1433)]
    assert instances[1]['named_pipe'] == '\\\\ILSUNG1\\pipe\\MSSQL$YUKONDEV\\sql\\query'
    assert _ssrp.find_instance(instances, None)['tcp_port'] == 1433
    assert _ssrp.find_instance(instances, 'yukonstd')['instance_name'] == 'YUKONSTD'
    assert _ssrp.find_instance(instances, 'nope') is None


def test_dac_golden_reply():
    assert _ssrp.parse_dac(bytes.fromhex('050600013 2df'.replace(' ', ''))) == 57138


def test_empty_bv_values_and_any_transport_order():
    # SQL 2000 style: bv takes three values, which may be empty; the ';;' inside must not split the record (impacket's bug).
    text = ('ServerName;OLD;InstanceName;SQL2K;IsClustered;Yes;Version;8.00.194;bv;;;;tcp;1433;;'
            'servername;OLD;INSTANCENAME;X;isclustered;no;version;8.00.194;np;\\\\OLD\\pipe\\sql\\query;bv;SQL2K;@COMPNAME;;tcp;2433;;')
    instances, dummy = _ssrp.parse_response(_resp(text))
    assert [(i['instance_name'], i['tcp_port'], i['is_clustered']) for i in instances] == [('SQL2K', 1433, True), ('X', 2433, False)]
    assert instances[0]['other_transports'] == {'bv': ['', '', '']}
    assert instances[1]['other_transports'] == {'bv': ['SQL2K', '@COMPNAME', '']}


@pytest.mark.parametrize('data, message', [
    (b'', 'shorter than the 3-byte header'),
    (b'\x04\x05\x00abcde', 'not SVR_RESP'),
    (_resp(YUKONSTD, size=200), 'truncated reply'),
    (_resp(''), 'RESP_SIZE is 0'),
    (_resp(YUKONSTD[:-1]), 'does not end with'),
    (_resp('ServerName;A;InstanceName;B;Version;1;;'), 'lacks isclustered'),
    (_resp('ServerName;A;InstanceName;B;IsClustered;Maybe;Version;1;;'), 'is not Yes or No'),
    (_resp('ServerName;A;InstanceName;B;IsClustered;No;Version;;;'), 'is not dotted digits'),
    (_resp('ServerName;A;InstanceName;B;IsClustered;No;Version;1;tcp;99999;;'), 'is not 1-65535'),
    (_resp('ServerName;A;InstanceName;B;IsClustered;No;Version;1;tcp;1;tcp;2;;'), 'appears twice'),
    (_resp('ServerName;A;InstanceName;B;IsClustered;No;Version;1;tcp;571\xb37;;'), 'is not 1-65535'),  # found by the fuzzer
    (_resp('ServerName;A;InstanceName;B;IsClustered;No;Version;9.\xb2;;'), 'is not dotted digits'),
    (_resp('ServerName;A;InstanceName;B;IsClustered;No;Version;1;np;' + 'x' * 256 + ';;'), 'more than 255'),
    (_resp('ServerName;A;InstanceName;B;IsClustered;No;Version;1;bv;;'), 'needs 3 value(s)'),
])
def test_broken_replies_raise_the_parse_error(data, message):
    with pytest.raises(_ssrp.SsrpParseError, match=message.replace('(', r'\(').replace(')', r'\)')):
        _ssrp.parse_response(data)


def test_tolerated_irregularities_are_noted():
    dummy, notes = _ssrp.parse_response(_resp(YUKONSTD) + b'junk')
    assert notes == ['4 byte(s) after RESP_DATA ignored']
    instances, notes = _ssrp.parse_response(_resp(YUKONSTD.replace('ILSUNG1', 'S\xc9RVER')))
    assert instances[0]['server_name'] == 'S\xc9RVER' and 'non-ASCII' in notes[0]


@pytest.mark.parametrize('data, message', [
    (bytes.fromhex('05060001'), 'a DAC reply is 6 bytes'),
    (bytes.fromhex('0506000232df'), 'protocol version'),
    (bytes.fromhex('050600010000'), 'DAC port 0'),
])
def test_broken_dac(data, message):
    with pytest.raises(_ssrp.SsrpParseError, match=message):
        _ssrp.parse_dac(data)


@pytest.mark.parametrize('name', ['', 'x' * 33, 'a\x00b'])
def test_bad_instance_names_are_refused(name):
    with pytest.raises(ValueError, match='instance name must be 1 to 32 bytes'):
        _ssrp.ucast_inst(name)


def test_build_response_round_trips():
    records = [['ServerName', 'H', 'InstanceName', 'I', 'IsClustered', 'No', 'Version', '15.0.2000.5', 'tcp', '49152']]
    assert _ssrp.parse_response(_ssrp.build_response(records))[0][0]['tcp_port'] == 49152
    assert _ssrp.parse_dac(_ssrp.build_response([], dac_port=1434)) == 1434


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=600))
def test_fuzz_only_the_parse_error_escapes(data):
    for parse in (_ssrp.parse_response, _ssrp.parse_dac):
        try:
            parse(data)
        except _ssrp.SsrpParseError:
            pass


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255), max_size=12), max_size=30))
def test_fuzz_token_streams(tokens):
    try:
        instances, dummy = _ssrp.parse_response(_resp(';'.join(tokens)))
    except _ssrp.SsrpParseError:
        return
    assert all(i['instance_name'] and i['server_name'] for i in instances)
