# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Simulated win_port_probe module: the simulated node's network stack is the simulation host's.

Profile value ``{live: true}``: the probes run for real from this machine (the collection's POSIX
engine, all at once) and are reported the way the win_port_probe module reports them on Windows: WinSock codes
(refused 10061, ICMP port-unreachable on UDP 10054, timeout 10060, host unreachable 10065, network
unreachable 10051, access denied 10013, name not found 11001), TLS versions as SslStream names. Other keys
``"HOST:PORT/PROTO"`` give canned raw outcomes. A probe of the node's loopback (``127.0.0.1``) goes to the simulated
node's own 127.0.0.x address, where its simulated listeners are (the readiness probe of the network role).
"""

from __future__ import annotations

import base64

from tests.lab.collection import port_engine

_WSA = {'ECONNREFUSED': 10061, 'EHOSTUNREACH': 10065, 'ENETUNREACH': 10051, 'EACCES': 10013, 'EPERM': 10013, 'EHOSTDOWN': 10064}
_TLS = {'TLSv1': 'Tls', 'TLSv1.1': 'Tls11', 'TLSv1.2': 'Tls12', 'TLSv1.3': 'Tls13'}


def _as_windows(raw, proto):
    result = {'id': raw['id'], 'address': raw['address'] if proto == 'udp' and raw['outcome'] == 'response' else None,
              'outcome': raw['outcome'], 'socket_error': None, 'rtt_ms': raw['rtt_ms'], 'attempts': max(1, raw['attempts']),
              'response': base64.b64encode(raw['response'] or b'').decode('ascii'), 'tls': None, 'message': raw['message'] or ''}
    if raw['outcome'] == 'dns-failure':
        result.update(outcome='error', socket_error=11001, message='No such host is known')
    elif raw['outcome'] in ('timeout', 'not-run'):
        result.update(outcome='timeout', socket_error=10060)
    elif raw['outcome'] == 'error':
        code = _WSA.get(raw['errno'], 10022)
        result['socket_error'] = 10054 if code == 10061 and proto == 'udp' else code
    if raw.get('tls'):
        tls = raw['tls']
        result['tls'] = {'error': tls['error'], 'version': _TLS.get(tls['version'], tls['version']),
                         'certificate': base64.b64encode(tls['der'] or b'').decode('ascii')}
    return result


NODE_AWARE = True
LOOPBACK = ('127.0.0.1', 'localhost')


def respond(profile_value, params, node=None):
    """The node's own loopback (``127.0.0.1``, ``localhost``) is the simulated node's own address: its listeners bind there."""
    profile_value = profile_value or {}
    own = (node or {}).get('address')
    live, results = [], {}
    for probe in params.get('probes', []):
        if own and str(probe['host']).lower() in LOOPBACK:
            probe = dict(probe, host=own)
        key = '%s:%s/%s' % (probe['host'], probe['port'], probe['proto'])
        if key in profile_value:
            results[probe['id']] = dict({'id': probe['id'], 'address': None, 'socket_error': None, 'rtt_ms': 1.0, 'attempts': 1,
                                         'response': '', 'tls': None, 'message': ''}, **profile_value[key])
        elif profile_value.get('live'):
            live.append({'id': probe['id'], 'host': probe['host'], 'port': int(probe['port']), 'proto': probe['proto'],
                         'probe': 'tls' if probe.get('tls') else ('time' if probe.get('read') else 'none'),
                         'payload': base64.b64decode(probe['payload']), 'server_name': probe.get('server_name')})
        else:
            results[probe['id']] = {'id': probe['id'], 'address': None, 'outcome': 'timeout', 'socket_error': 10060,
                                    'rtt_ms': float(params['timeout_ms']), 'attempts': 1, 'response': '', 'tls': None,
                                    'message': 'simulation: no canned answer for %s' % key}
    if live:
        engine = port_engine.Engine(params['timeout_ms'] / 1000.0, params['retries'], 1024, params['deadline_ms'] / 1000.0)
        for spec, raw in zip(live, engine.run(live)):
            results[spec['id']] = _as_windows(raw, spec['proto'])
    return {'results': [results[probe['id']] for probe in params.get('probes', [])]}
