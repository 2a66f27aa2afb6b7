# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A port is a listener only when the precheck bound it AND it answered on the node's own loopback before the probes."""

from __future__ import annotations

from ansible_collections.safeq.preflight.plugins.plugin_utils.ports import _listener_state

PRECHECK = {'facts': {'ports': [
    {'port': 6020, 'proto': 'tcp', 'state': 'bound'},
    {'port': 7777, 'proto': 'udp', 'state': 'bound'},
    {'port': 19898, 'proto': 'tcp', 'state': 'conflict', 'socket_error': 10013, 'holder': {'pid': None, 'name': None}},
    {'port': 80, 'proto': 'tcp', 'state': 'conflict', 'socket_error': 10048, 'holder': {'pid': 4, 'name': 'System (http.sys)'}},
    {'port': 9999, 'proto': 'tcp', 'state': 'error', 'socket_error': 10022, 'message': 'invalid argument'},
]}}


def _probe(*opened):
    return {'results': [{'host': '127.0.0.1', 'port': port, 'proto': proto, 'state': 'open' if (proto, port) in opened else 'filtered'}
                        for proto, port in (('tcp', 6020), ('udp', 7777))]}


def test_only_the_ports_the_precheck_bound_are_probed_over_loopback():
    assert _listener_state.loopback_targets(PRECHECK) == [{'host': '127.0.0.1', 'port': 6020, 'proto': 'tcp', 'probe': 'none'},
                                                          {'host': '127.0.0.1', 'port': 7777, 'proto': 'udp', 'probe': 'none'}]
    assert _listener_state.loopback_targets({'skipped': True}) == []


def test_ready_only_when_every_bound_port_answered():
    assert not _listener_state.all_ready(PRECHECK, {})
    assert not _listener_state.all_ready(PRECHECK, _probe(('tcp', 6020)))  # the UDP responder is not up yet
    assert _listener_state.all_ready(PRECHECK, _probe(('tcp', 6020), ('udp', 7777)))


def test_states_say_ready_or_why_there_is_no_listener():
    states = _listener_state.states(PRECHECK, _probe(('tcp', 6020)), ready_seconds=30)
    assert states['tcp/6020'] == 'ready'
    assert states['udp/7777'].startswith('not-ready:') and '30 s (safeq_listener_ready_seconds)' in states['udp/7777']
    assert states['tcp/19898'].startswith('conflict:') and '10013' in states['tcp/19898']
    assert 'held by System (http.sys) (pid 4)' in states['tcp/80']
    assert states['tcp/9999'].startswith('error:') and 'invalid argument' in states['tcp/9999']
    # an answer from anywhere but the node's loopback is no readiness
    other = {'results': [{'host': '10.0.0.11', 'port': 6020, 'proto': 'tcp', 'state': 'open'}]}
    assert _listener_state.states(PRECHECK, other)['tcp/6020'].startswith('not-ready')


LISTENER = {'facts': {'ports': [
    {'port': 6020, 'proto': 'tcp', 'state': 'listening'},
    {'port': 7777, 'proto': 'udp', 'state': 'listening'},
    {'port': 4111, 'proto': 'tcp', 'state': 'not-ready', 'message': 'the listener process (pid 4242) was stopped: it did not report'},
]}}


def test_a_port_the_listener_process_reported_listening_is_ready_and_its_loopback_check_after_the_probes_decides_after():
    """Ground truth: the listener process reported 6020 and 7777 listening and was stopped before it reported 4111."""
    states = _listener_state.states(LISTENER, ready_seconds=30)
    assert states['tcp/6020'] == 'ready' and states['udp/7777'] == 'ready'
    assert states['tcp/4111'] == ('not-ready: the listener process (pid 4242) was stopped: it did not report '
                                  '(safeq_listener_ready_seconds: 30)')
    # the loopback check after every probe: only the listening ports, and a port that no longer answered has no listener then
    assert [t['port'] for t in _listener_state.loopback_targets(LISTENER)] == [6020, 7777]
    after = _listener_state.states(LISTENER, _probe(('tcp', 6020)))
    assert after['tcp/6020'] == 'ready' and after['udp/7777'] == "gone: it no longer answered on the node's loopback after the probes"
    # a port only bound (duration_s 0: bound and closed at once) is no listener without a loopback answer
    assert _listener_state.states(PRECHECK)['tcp/6020'].startswith('not-ready: bound and closed at once')
    # the check after the probes did not run: every bound port is not-checked, none stands
    assert _listener_state.unchecked(LISTENER) == {key: 'not-checked: the loopback check after the probes did not run on this node'
                                                   for key in ('tcp/6020', 'udp/7777')}
