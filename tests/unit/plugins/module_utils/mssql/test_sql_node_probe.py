# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""sql_browser_probe on a Windows node: one win_port_probe run planned at once, replayed through run_probe.

Ground truth: the MC-SQLR examples (protocols.md §3.2: YUKONSTD tcp 57137, YUKONDEV named pipes only, MSSQLSERVER
tcp 1433) and answers written here as win_port_probe reports them on Windows (WinSock codes).
"""

from __future__ import annotations

import base64
import re

import pytest

from ansible_collections.safeq.preflight.plugins.module_utils.mssql import _sql_probe, _ssrp, _tds

SPEC_EX = [['ServerName', 'ILSUNG1', 'InstanceName', 'YUKONSTD', 'IsClustered', 'No', 'Version', '9.00.1399.06', 'tcp', '57137'],
           ['ServerName', 'ILSUNG1', 'InstanceName', 'YUKONDEV', 'IsClustered', 'No', 'Version', '9.00.1399.06', 'np',
            '\\\\ILSUNG1\\pipe\\MSSQL$YUKONDEV\\sql\\query'],
           ['ServerName', 'ILSUNG1', 'InstanceName', 'MSSQLSERVER', 'IsClustered', 'No', 'Version', '9.00.1399.06', 'tcp', '1433',
            'np', '\\\\ILSUNG1\\pipe\\sql\\query']]
PRELOGIN_2019 = _tds.build_prelogin_response(15, 0, 2000)


def _port(instance, records):
    """What the node does with port_from: group 1 of the pattern in the answer read as ISO-8859-1."""
    match = re.search(_sql_probe.port_pattern(instance), _ssrp.build_response(records).decode('latin-1'))
    return int(match.group(1)) if match else None


@pytest.mark.parametrize('instance, port', [('YUKONSTD', 57137), ('yukonstd', 57137), (None, 1433), ('mssqlserver', 1433),
                                            ('YUKONDEV', None), ('YUKON', None), ('OTHER', None)])
def test_the_pattern_finds_the_instance_port_the_parser_finds(instance, port):
    assert _port(instance, SPEC_EX) == port
    matched = _ssrp.find_instance(_ssrp.parse_response(_ssrp.build_response(SPEC_EX))[0], instance)
    assert (matched['tcp_port'] if matched else None) == port


def test_the_pattern_survives_empty_values_and_non_ascii_names_without_a_culture():
    # nmap's warning: ";;" also occurs inside a record (an empty bv value); a Latin-1 instance name in another case
    records = [['ServerName', 'SQL01', 'InstanceName', 'ÉTAT', 'IsClustered', 'No', 'Version', '15.0.2000.5', 'bv', '', '@SRV', '',
                'tcp', '49703']]
    assert _port('état', records) == 49703
    assert 'i' not in re.sub(r'\[[^]]*\]|\\x[0-9a-f]{2}', '', _sql_probe.port_pattern('safeq')).replace('tcp', ''), \
        'every letter is a [xX] class: .NET IgnoreCase would follow the node culture (Turkish i)'


def test_one_node_call_plans_every_exchange():
    params = _sql_probe.node_probes('db', 'safeq', 1.5, prelogin=True, dac=True, query_instance=True)
    probes = {p['id']: p for p in params['probes']}
    assert list(probes) == ['browser', 'browser-retry', 'inst', 'dac', 'tds']
    assert probes['browser-retry']['connected'] is False and 'connected' not in probes['browser']
    assert base64.b64decode(probes['inst']['payload']) == _ssrp.ucast_inst('safeq')
    tds = probes['tds']
    assert (tds['proto'], tds['framing'], tds['port_from']['probes']) == ('tcp', 'tds', ['browser', 'browser-retry'])
    assert base64.b64decode(tds['payload']) == _tds.build_prelogin()
    assert params['timeout_ms'] == 1500 and params['retries'] == 0
    assert _sql_probe.node_probes('db', None, 1.0, prelogin=False)['probes'][-1]['framing'] == 'none'


def _node(answers, port=49703):
    """win_port_probe results: ``answers`` id -> fields; the TDS probe ran on ``port``."""
    results = []
    for probe_id in ('browser', 'browser-retry', 'tds'):
        base = {'id': probe_id, 'address': None, 'port': 1434, 'outcome': 'timeout', 'socket_error': 10060, 'rtt_ms': 1.0, 'attempts': 1,
                'response': '', 'tls': None, 'message': ''}
        if probe_id == 'tds':
            base.update(port=port)
        results.append(dict(base, **answers.get(probe_id, {})))
    return results


def _run(results, instance='safeq', min_version=None):
    params = _sql_probe.node_probes('198.18.2.2', instance, 1.0)
    obs = _sql_probe.run_probe(_sql_probe.node_exchange(params['probes'], results), '198.18.2.2', instance, 1.0)
    return [(f['status'], f['reason']) for f in _sql_probe.evaluate(obs, min_version)], obs


def _b64(data):
    return base64.b64encode(data).decode('ascii')


RECORD = ['ServerName', 'SQL01', 'InstanceName', 'SAFEQ', 'IsClustered', 'No', 'Version', '15.0.2000.5', 'tcp', '49703']
BROWSER = {'outcome': 'response', 'socket_error': None, 'address': '198.18.2.2', 'response': _b64(_ssrp.build_response([RECORD]))}


def test_browser_and_prelogin_from_one_node_run():
    statuses, obs = _run(_node({'browser': BROWSER, 'browser-retry': BROWSER,
                                'tds': {'outcome': 'connected', 'socket_error': None, 'response': _b64(PRELOGIN_2019)}}))
    assert statuses == [('pass', 'browser-answered'), ('pass', 'tds-prelogin')]
    assert obs['browser_retry'] is None, 'the unconnected answer is read only when the connected socket was silent'


def test_the_unconnected_answer_counts_only_after_silence_as_on_posix():
    statuses, obs = _run(_node({'browser-retry': dict(BROWSER, address='198.18.2.9'),
                                'tds': {'outcome': 'connected', 'socket_error': None, 'response': _b64(PRELOGIN_2019)}}))
    assert statuses == [('pass', 'browser-answered'), ('pass', 'tds-prelogin')] and obs['browser_retry']['remote'] == '198.18.2.9'
    statuses, dummy = _run(_node({}))
    assert statuses == [('fail', 'browser-silent'), ('error', 'browser-unavailable')]


def test_an_icmp_port_unreachable_on_the_node_is_closed():
    statuses, dummy = _run(_node({'browser': {'outcome': 'error', 'socket_error': 10054}, 'tds': {'outcome': 'not-run', 'port': None}}))
    assert statuses == [('fail', 'closed'), ('error', 'browser-unavailable')]


@pytest.mark.parametrize('tds, port, expected', [
    ({'outcome': 'connected', 'socket_error': None, 'response': _b64(PRELOGIN_2019)}, 1433, ('error', 'error')),
    ({'outcome': 'not-run', 'socket_error': None, 'message': 'port_from: no answer matched'}, None, ('error', 'error')),
    ({'outcome': 'error', 'socket_error': 10061}, 49703, ('fail', 'closed')),
    ({'outcome': 'timeout', 'socket_error': 10060}, 49703, ('fail', 'filtered')),
])
def test_the_tds_answer_counts_only_on_the_port_the_parser_finds(tds, port, expected):
    statuses, obs = _run(_node({'browser': BROWSER, 'tds': tds}, port=port))
    assert statuses[1] == expected
    if expected[0] == 'error':
        assert 'Browser names' in obs['tds']['message'], 'a port the node read differently is never a pass'


@pytest.mark.parametrize('read, expected', [
    # .NET's ReadTimeout expiring (WSAETIMEDOUT) or the module's own deadline: the port accepted and said nothing
    ({'read_end': 'error', 'read_error': 10060}, ('fail', 'no-prelogin-reply')),
    ({'read_end': 'timeout', 'read_error': None}, ('fail', 'no-prelogin-reply')),
    # closed or reset at once on the cleartext PRELOGIN: what a strict TDS 8.0 server does
    ({'read_end': 'closed', 'read_error': None}, ('warn', 'possibly-strict-tds8')),
    ({'read_end': 'error', 'read_error': 10054}, ('warn', 'possibly-strict-tds8')),
    ({'read_end': 'error', 'read_error': 10022}, ('error', 'probe-error')),
    ({}, ('error', 'probe-error')),  # how the read ended is unknown: never a pass or a warn
])
def test_a_silent_port_on_the_node_is_classified_as_on_posix(read, expected):
    tds = dict({'outcome': 'connected', 'socket_error': None, 'response': ''}, **read)
    statuses, dummy = _run(_node({'browser': BROWSER, 'tds': tds}))
    assert statuses[1] == expected


def test_a_named_pipes_only_instance_needs_no_tds_exchange():
    record = RECORD[:8] + ['np', '\\\\SQL01\\pipe\\MSSQL$SAFEQ\\sql\\query']
    browser = dict(BROWSER, response=_b64(_ssrp.build_response([record])))
    statuses, dummy = _run(_node({'browser': browser, 'tds': {'outcome': 'not-run', 'port': None}}))
    assert statuses == [('pass', 'browser-answered'), ('fail', 'tcp-disabled')]


def test_other_bytes_than_planned_are_refused():
    params = _sql_probe.node_probes('db', 'safeq', 1.0)
    params['probes'][-1]['payload'] = _b64(b'\x12\x01\x00\x08\x00\x00\x01\x00')
    results = _node({'browser': BROWSER, 'tds': {'outcome': 'connected', 'socket_error': None, 'response': _b64(PRELOGIN_2019)}})
    obs = _sql_probe.run_probe(_sql_probe.node_exchange(params['probes'], results), 'db', 'safeq', 1.0)
    assert obs['tds']['outcome'] == 'error' and 'other bytes' in obs['tds']['message']
