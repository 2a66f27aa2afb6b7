# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Simulated win_socket_probe module: the simulated node's network stack is the simulation host's.

Profile value ``{live: true}``: each exchange is performed for real from this machine with Python
sockets and reported the way WinSock reports it (refused 10061, ICMP port-unreachable on UDP as
10054, timeout 10060, unreachable 10065). Other keys ``"HOST:PORT/PROTO"`` give canned raw results.
"""

from __future__ import annotations

import base64

from tests.lab.collection import sql_probe

WSA = {'refused': 10061, 'reset': 10054, 'timeout': 10060, 'unreachable': 10065, 'dns-failure': 11001}


def _as_windows(outcome, proto):
    kind = outcome['outcome']
    if proto == 'udp' and kind == 'refused':
        kind = 'reset'  # WinSock reports the ICMP port-unreachable of a connected UDP socket as WSAECONNRESET
    if kind in ('response', 'connected'):
        return {'id': outcome['id'], 'outcome': kind, 'socket_error': None, 'rtt_ms': outcome['rtt_ms'],
                'response': base64.b64encode(outcome['response']).decode('ascii'), 'remote': outcome['remote'], 'message': ''}
    return {'id': outcome['id'], 'outcome': 'error', 'socket_error': WSA.get(kind), 'rtt_ms': outcome['rtt_ms'], 'response': '',
            'remote': None, 'message': outcome['message'] or kind}


def respond(profile_value, params):
    results = []
    for probe in params.get('probes', []):
        key = '%s:%s/%s' % (probe['host'], probe['port'], probe['proto'])
        canned = (profile_value or {}).get(key)
        if canned is not None:
            results.append(dict({'id': probe['id'], 'socket_error': None, 'rtt_ms': 1.0, 'response': '', 'remote': None, 'message': ''},
                                **canned))
            continue
        if not (profile_value or {}).get('live'):
            results.append({'id': probe['id'], 'outcome': 'error', 'socket_error': 10060, 'rtt_ms': float(probe['timeout_ms']),
                            'response': '', 'remote': None, 'message': 'simulation: no canned answer for %s' % key})
            continue
        spec = {'id': probe['id'], 'proto': probe['proto'], 'host': probe['host'], 'port': int(probe['port']),
                'payload': base64.b64decode(probe['payload']), 'timeout': probe['timeout_ms'] / 1000.0,
                'connected': probe.get('connected', True), 'max_bytes': 8192}
        results.append(_as_windows(sql_probe.posix_exchange([spec])[0], probe['proto']))
    return {'results': results}
