# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which of a node's temporary listeners really stand when the probes start. Pure. PRIVATE to this collection.

The network role runs ``win_port_listener`` once per node: its listener process binds every inbound port (in use or an
excluded port range: a conflict, never taken over) and reports its binds before the module answers, so a port it reports
``listening`` is bound and listening when the task ends (``ready``). A port that could not be bound, or a listener that did
not report within ``safeq_listener_ready_seconds`` (``not-ready``), has none, with the reason, so the rows probing it can
never pass or fail on a listener that was not there (``_port_evaluate``: ``listener-missing``). After every probe the node
asks its own loopback (which no firewall filters) whether each such port still answers (``loopback_targets``): a flow judged
with a listener that had gone by then is judged without one.

A port only ``bound`` (the module run with ``duration_s: 0``, which binds, reports and closes) is ready only when a loopback
probe (``readiness``) found it answering afterwards: something else listens there then, as an earlier version of the role
used it (a precheck, then a listener started with ``async``, then that probe).
"""

from __future__ import annotations

from ansible_collections.safeq.preflight.plugins.plugin_utils.ports._port_derive import READY

LOOPBACK = '127.0.0.1'


def _ports(precheck):
    facts = (precheck or {}).get('facts') or {}
    return [item for item in facts.get('ports') or () if isinstance(item, dict) and 'port' in item]


def _key(proto, port):
    return '%s/%d' % (str(proto or 'tcp').lower(), int(port))


BOUND = ('listening', 'bound')
UNCHECKED = 'not-checked'  # the state of a port whose loopback check after the probes did not run on its node


def loopback_targets(precheck):
    """port_check targets towards the node's own loopback for every port the listener bound (no entry: they make no finding)."""
    return [{'host': LOOPBACK, 'port': int(item['port']), 'proto': item.get('proto') or 'tcp', 'probe': 'none'}
            for item in _ports(precheck) if item.get('state') in BOUND]


def _answered(readiness):
    return {_key(item.get('proto'), item['port']) for item in (readiness or {}).get('results') or ()
            if isinstance(item, dict) and item.get('state') == 'open' and str(item.get('host', '')).lower() in (LOOPBACK, 'localhost')}


def all_ready(precheck, readiness):
    """True when every port the listener bound answered on loopback."""
    answered = _answered(readiness)
    return all(_key(t['proto'], t['port']) in answered for t in loopback_targets(precheck))


def unchecked(listener):
    """``{'tcp/6020': 'not-checked: ...'}`` for every port the listener bound, on a node whose loopback check after the probes
    did not run (skipped, or the node left the play): nothing shows its listener stood through the probes."""
    return {_key(item.get('proto'), item['port']): '%s: the loopback check after the probes did not run on this node' % UNCHECKED
            for item in _ports(listener) if item.get('state') in BOUND}


def _holder(item):
    holder = item.get('holder') or {}
    if holder.get('name') or holder.get('pid') is not None:
        return ', held by %s (pid %s)' % (holder.get('name') or 'an unknown process', holder.get('pid'))
    return ''


def states(precheck, readiness=None, ready_seconds=None):
    """``{'tcp/6020': 'ready' or why not}`` for one node from its ``win_port_listener`` result: ``ready`` when its listener
    process reported the port ``listening``, or when the port was ``bound`` and answered the loopback ``readiness`` probe.
    With ``readiness`` the loopback check after the probes, the states after them (a port that no longer answered: not ready)."""
    answered = _answered(readiness)
    result = {}
    for item in _ports(precheck):
        key = _key(item.get('proto'), item['port'])
        state = item.get('state')
        if state == 'listening' and readiness is None:
            result[key] = READY
        elif state == 'bound' and readiness is None:
            result[key] = 'not-ready: bound and closed at once (duration_s 0): no listener stands there'
        elif key in answered:
            result[key] = READY
        elif state == 'listening':
            result[key] = 'gone: it no longer answered on the node\'s loopback after the probes'
        elif state == 'bound':
            result[key] = 'not-ready: the temporary listener did not answer on the node\'s loopback within %s' % (
                '%s s (safeq_listener_ready_seconds)' % ready_seconds if ready_seconds is not None else 'the readiness bound')
        elif state == 'not-ready':
            result[key] = 'not-ready: %s%s' % (item.get('message') or 'the listener process did not report its binds',
                                               ' (safeq_listener_ready_seconds: %s)' % ready_seconds if ready_seconds is not None else '')
        elif state == 'conflict':
            result[key] = 'conflict: the port is in use or reserved (socket error %s)%s' % (item.get('socket_error'), _holder(item))
        else:
            result[key] = '%s: the port could not be bound (socket error %s: %s)' % (
                state or 'error', item.get('socket_error'), item.get('message') or 'no message')
    return result
