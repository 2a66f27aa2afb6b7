# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which of a node's temporary listeners really stand when the probes start. Pure. PRIVATE to this collection.

The network role binds every inbound port once (``win_port_listener`` with ``duration_s: 0``: the precheck), then starts
the listener with ``async``/``poll: 0``. "Started" says nothing about the sockets: the async wrapper returns before the
module has compiled and bound anything, and a port may fail to bind (in use, an excluded port range). So the role asks
the node itself, over its own loopback (which no firewall filters), whether each port the precheck bound answers now,
and repeats until all do or ``safeq_listener_ready_seconds`` pass. A port is a listener (``ready``) only when the
precheck bound it AND it answered on loopback; every other port has none, with the reason, so the rows probing it can
never pass or fail on a listener that was not there (``_port_evaluate``: ``listener-missing``).
"""

from __future__ import annotations

from ansible_collections.safeq.preflight.plugins.plugin_utils.ports._port_derive import READY

LOOPBACK = '127.0.0.1'


def _ports(precheck):
    facts = (precheck or {}).get('facts') or {}
    return [item for item in facts.get('ports') or () if isinstance(item, dict) and 'port' in item]


def _key(proto, port):
    return '%s/%d' % (str(proto or 'tcp').lower(), int(port))


def loopback_targets(precheck):
    """port_check targets towards the node's own loopback for every port the precheck bound (no entry: they make no finding)."""
    return [{'host': LOOPBACK, 'port': int(item['port']), 'proto': item.get('proto') or 'tcp', 'probe': 'none'}
            for item in _ports(precheck) if item.get('state') == 'bound']


def _answered(readiness):
    return {_key(item.get('proto'), item['port']) for item in (readiness or {}).get('results') or ()
            if isinstance(item, dict) and item.get('state') == 'open' and str(item.get('host', '')).lower() in (LOOPBACK, 'localhost')}


def all_ready(precheck, readiness):
    """True when every port the precheck bound answered on loopback (the role's ``until``)."""
    answered = _answered(readiness)
    return all(_key(t['proto'], t['port']) in answered for t in loopback_targets(precheck))


def _holder(item):
    holder = item.get('holder') or {}
    if holder.get('name') or holder.get('pid') is not None:
        return ', held by %s (pid %s)' % (holder.get('name') or 'an unknown process', holder.get('pid'))
    return ''


def states(precheck, readiness, ready_seconds=None):
    """``{'tcp/6020': 'ready' or why not}`` for one node: ``ready`` only when bound by the precheck and answering on loopback."""
    answered = _answered(readiness)
    result = {}
    for item in _ports(precheck):
        key = _key(item.get('proto'), item['port'])
        state = item.get('state')
        if state == 'bound':
            result[key] = READY if key in answered else (
                'not-ready: the temporary listener did not answer on the node\'s loopback within %s'
                % ('%s s (safeq_listener_ready_seconds)' % ready_seconds if ready_seconds is not None else 'the readiness bound'))
        elif state == 'conflict':
            result[key] = 'conflict: the port is in use or reserved (socket error %s)%s' % (item.get('socket_error'), _holder(item))
        else:
            result[key] = '%s: the port could not be bound (socket error %s: %s)' % (
                state or 'error', item.get('socket_error'), item.get('message') or 'no message')
    return result
