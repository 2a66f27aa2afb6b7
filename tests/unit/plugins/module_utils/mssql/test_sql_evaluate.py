# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""sql_browser_probe's exchange plan and evaluation with a scripted exchange (no sockets)."""

from __future__ import annotations

import base64

import pytest

from ansible_collections.safeq.preflight.plugins.module_utils.mssql import _sql_probe, _ssrp, _tds

RECORD = ['ServerName', 'SQL01', 'InstanceName', 'SAFEQ', 'IsClustered', 'No', 'Version', '15.0.2000.5', 'tcp', '49703']


class Script:
    """An exchange that answers from a table keyed by exchange id, and records what was asked."""

    def __init__(self, answers):
        self.answers = answers
        self.asked = []

    def __call__(self, specs):
        self.asked.append([(s['id'], s['proto'], s['port'], s.get('connected')) for s in specs])
        return [dict({'id': s['id'], 'socket_error': None, 'rtt_ms': 1.0, 'response': b'', 'remote': None, 'message': ''},
                     **self.answers[s['id']]) for s in specs]


def _reply(record=None):
    return {'outcome': 'response', 'response': _ssrp.build_response([record or RECORD]), 'remote': '198.18.2.2:1434'}


def _statuses(answers, **kwargs):
    exchange = Script(answers)
    min_version = kwargs.pop('min_version', None)
    obs = _sql_probe.run_probe(exchange, '198.18.2.2', kwargs.pop('instance', 'safeq'), 1.0, **kwargs)
    return [(f['status'], f['reason']) for f in _sql_probe.evaluate(obs, min_version)], exchange.asked


def test_happy_path_asks_browser_then_tds():
    statuses, asked = _statuses({'browser': _reply(), 'tds': {'outcome': 'connected', 'response': _tds.build_prelogin_response(15, 0, 2000)}})
    assert statuses == [('pass', 'browser-answered'), ('pass', 'tds-prelogin')]
    assert asked == [[('browser', 'udp', 1434, True)], [('tds', 'tcp', 49703, True)]]


def test_silence_is_retried_unconnected_once_and_the_retry_can_answer():
    statuses, asked = _statuses({'browser': {'outcome': 'timeout'}, 'browser-retry': _reply(),
                                 'tds': {'outcome': 'connected', 'response': _tds.build_prelogin_response(15, 0, 2000)}})
    assert asked[1] == [('browser-retry', 'udp', 1434, False)]
    assert statuses[0] == ('pass', 'browser-answered')
    statuses, dummy = _statuses({'browser': {'outcome': 'timeout'}, 'browser-retry': {'outcome': 'timeout'}})
    assert statuses == [('fail', 'browser-silent'), ('error', 'browser-unavailable')]


@pytest.mark.parametrize('outcome, expected', [('refused', ('fail', 'closed')), ('reset', ('fail', 'closed')),
                                               ('unreachable', ('fail', 'host-unreachable'))])
def test_browser_closed_or_unreachable(outcome, expected):
    statuses, asked = _statuses({'browser': {'outcome': outcome}})
    assert statuses == [expected, ('error', 'browser-unavailable')]
    assert len(asked) == 1, 'no retry when the port answered with an ICMP error'


@pytest.mark.parametrize('tds, expected', [
    ({'outcome': 'refused'}, ('fail', 'closed')),
    ({'outcome': 'timeout'}, ('fail', 'filtered')),
    # PRELOGIN sent, no byte back: silence for the whole timeout is no SQL Server answering; a prompt close may be strict TDS 8.0
    ({'outcome': 'connected', 'response': b'', 'read_end': 'timeout'}, ('fail', 'no-prelogin-reply')),
    ({'outcome': 'connected', 'response': b'', 'read_end': 'closed'}, ('warn', 'possibly-strict-tds8')),
    ({'outcome': 'connected', 'response': b'', 'read_end': 'reset'}, ('warn', 'possibly-strict-tds8')),
    ({'outcome': 'connected', 'response': b'', 'read_end': 'error'}, ('error', 'probe-error')),
    ({'outcome': 'connected', 'response': b''}, ('error', 'probe-error')),
    ({'outcome': 'connected', 'response': b'HTTP/1.1 400 Bad Request\r\n\r\n'}, ('fail', 'not-tds')),
    ({'outcome': 'connected', 'response': _tds.build_prelogin_response(10, 50, 1600)}, ('fail', 'version-too-old')),
])
def test_tds_outcomes(tds, expected):
    statuses, dummy = _statuses({'browser': _reply(), 'tds': tds}, min_version='11.0') if expected[1] == 'version-too-old' else \
        _statuses({'browser': _reply(), 'tds': tds})
    assert statuses[1] == expected


def test_a_port_that_accepts_and_stays_silent_fails_naming_the_port():
    exchange = Script({'browser': _reply(), 'tds': {'outcome': 'connected', 'response': b'', 'read_end': 'timeout'}})
    tcp = _sql_probe.evaluate(_sql_probe.run_probe(exchange, '198.18.2.2', 'safeq', 1.5))[1]
    assert (tcp['status'], tcp['reason']) == ('fail', 'no-prelogin-reply')
    assert 'TCP 49703' in tcp['detail'] and '1.5s' in tcp['detail'] and tcp['fix'] == {'port': 49703}


def test_without_prelogin_an_accepted_connection_is_still_tcp_open():
    exchange = Script({'browser': _reply(), 'tds': {'outcome': 'connected', 'response': b'', 'read_end': None}})
    obs = _sql_probe.run_probe(exchange, '198.18.2.2', 'safeq', 1.0, prelogin=False)
    assert [(f['status'], f['reason']) for f in _sql_probe.evaluate(obs)][1] == ('pass', 'tcp-open')


def test_instance_not_found_lists_the_instances():
    exchange = Script({'browser': _reply()})
    obs = _sql_probe.run_probe(exchange, 'db', 'OTHER', 1.0)
    tcp = _sql_probe.evaluate(obs)[1]
    assert (tcp['status'], tcp['reason']) == ('fail', 'instance-not-found') and 'SAFEQ' in tcp['detail']


def test_node_results_are_classified_from_winsock_codes_by_the_port_classifier():
    raw = {'id': 'browser', 'outcome': 'error', 'socket_error': 10054, 'rtt_ms': 3.0, 'response': '', 'address': None, 'port': 1434,
           'attempts': 1, 'tls': None, 'message': 'reset'}
    assert _sql_probe.from_node(raw, 'udp')['outcome'] == 'reset'
    assert _sql_probe.from_node(dict(raw, socket_error=10061), 'tcp')['outcome'] == 'refused'
    assert _sql_probe.from_node(dict(raw, socket_error=11001), 'udp')['outcome'] == 'dns-failure'
    assert _sql_probe.from_node(dict(raw, socket_error=10065), 'tcp')['outcome'] == 'unreachable'
    assert _sql_probe.from_node(dict(raw, outcome='timeout', socket_error=10060), 'udp')['outcome'] == 'timeout'
    assert _sql_probe.from_node(dict(raw, socket_error=None), 'udp')['outcome'] == 'error'
    ok = dict(raw, outcome='response', socket_error=None, response=base64.b64encode(b'\x05').decode(), address='1.2.3.4')
    assert _sql_probe.from_node(ok, 'udp')['response'] == b'\x05' and _sql_probe.from_node(ok, 'udp')['remote'] == '1.2.3.4'
    assert _sql_probe.from_node(dict(ok, response='not base64!'), 'udp')['outcome'] == 'error'


def test_ucast_inst_on_request_confirms_the_instance_after_ucast_ex():
    inst_reply = {'outcome': 'response', 'response': _ssrp.build_response([RECORD])}
    exchange = Script({'browser': _reply(), 'inst': inst_reply, 'tds': {'outcome': 'connected', 'response': _tds.build_prelogin_response(15, 0, 2000)}})
    obs = _sql_probe.run_probe(exchange, 'db', 'safeq', 1.0, query_instance=True)
    assert exchange.asked[0] == [('browser', 'udp', 1434, True)], 'CLNT_UCAST_EX first: the Browser is silent for unknown instances'
    assert exchange.asked[1][0][0] == 'inst' and obs['instance_confirmed'] is True
    exchange = Script({'browser': _reply(), 'inst': {'outcome': 'timeout'}, 'tds': {'outcome': 'refused'}})
    assert _sql_probe.run_probe(exchange, 'db', 'safeq', 1.0, query_instance=True)['instance_confirmed'] is False
