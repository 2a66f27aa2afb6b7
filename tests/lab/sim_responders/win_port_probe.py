# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Simulated win_port_probe module: the simulated node's network stack is the simulation host's.

Profile value ``{live: true}``: the probes run for real from this machine, all at once (the collection's POSIX
port engine; an unconnected UDP probe or a TDS-framed exchange with the POSIX SQL exchange, each in a thread),
and are reported the way the win_port_probe module reports them on Windows: WinSock codes (refused 10061, ICMP
port-unreachable on UDP 10054, timeout 10060, host unreachable 10065, network unreachable 10051, access denied
10013, name not found 11001), TLS versions as SslStream names; a TDS-framed exchange reports how its read ended
(``read_end``; a silent server is ``error`` / ``read_error`` 10060, .NET's ReadTimeout). Other keys ``"HOST:PORT/PROTO"``
give canned raw outcomes. As on the node, a probe with ``port_from`` runs in a second round on the port that group 1 of its
pattern finds in the first listed answer (ISO-8859-1 text), and is ``not-run`` when none matches.
A probe of the node's loopback (``127.0.0.1``, ``localhost``) goes to the simulated node's own 127.0.0.x address, where
its simulated listeners are (the readiness probe of the network role).
"""

from __future__ import annotations

import base64
import re
import threading

from tests.lab.collection import port_engine, sql_probe

_WSA = {'ECONNREFUSED': 10061, 'EHOSTUNREACH': 10065, 'ENETUNREACH': 10051, 'EACCES': 10013, 'EPERM': 10013, 'EHOSTDOWN': 10064}
_TLS = {'TLSv1': 'Tls', 'TLSv1.1': 'Tls11', 'TLSv1.2': 'Tls12', 'TLSv1.3': 'Tls13'}
# Outcomes of the POSIX SQL exchange -> WinSock codes (a UDP "refused" is WSAECONNRESET on Windows).
_EXCHANGE_WSA = {'refused': 10061, 'reset': 10054, 'timeout': 10060, 'unreachable': 10065, 'dns-failure': 11001, 'error': 10022}


def _blank(probe, port, **values):
    return dict({'id': probe['id'], 'address': None, 'port': port, 'outcome': 'timeout', 'socket_error': None, 'rtt_ms': 1.0,
                 'attempts': 1, 'response': '', 'tls': None, 'message': '', 'read_end': None, 'read_error': None}, **values)


def _as_windows(raw, probe, port):
    proto = probe['proto']
    result = _blank(probe, port, address=raw['address'] if raw['outcome'] in ('response', 'connected') else None,
                    outcome=raw['outcome'], rtt_ms=raw['rtt_ms'], attempts=max(1, raw['attempts']),
                    response=base64.b64encode(raw['response'] or b'').decode('ascii'), message=raw['message'] or '')
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


def _exchange_as_windows(outcome, probe, port):
    kind = outcome['outcome']
    if probe['proto'] == 'udp' and kind == 'refused':
        kind = 'reset'
    response = base64.b64encode(outcome['response'] or b'').decode('ascii')
    if kind in ('response', 'connected'):
        address = (outcome['remote'] or '').rsplit(':', 1)[0] if kind == 'response' else None
        # how the TDS read ended, as .NET reports it: a silent server is a ReadTimeout (WSAETIMEDOUT), a reset 10054
        end = outcome.get('read_end')
        read = {'read_end': 'error', 'read_error': _EXCHANGE_WSA[end]} if end in ('timeout', 'reset') else {'read_end': end}
        return _blank(probe, port, outcome=kind, rtt_ms=outcome['rtt_ms'], response=response, address=address, **read)
    if kind == 'timeout':
        return _blank(probe, port, outcome='timeout', socket_error=10060, rtt_ms=outcome['rtt_ms'])
    return _blank(probe, port, outcome='error', socket_error=_EXCHANGE_WSA.get(kind, 10022), rtt_ms=outcome['rtt_ms'],
                  message=outcome['message'] or kind)


def _exchange(probe, port, timeout, results):
    """An unconnected UDP probe or a TDS-framed exchange, run with the POSIX SQL exchange (one thread each)."""
    spec = {'id': probe['id'], 'proto': probe['proto'], 'host': probe['host'], 'port': port, 'payload': base64.b64decode(probe['payload']),
            'timeout': timeout, 'connected': probe.get('connected', True), 'max_bytes': 8192}
    results[probe['id']] = _exchange_as_windows(sql_probe.posix_exchange([spec])[0], probe, port)


def _round(probes, profile_value, params, results):
    live, threads = [], []
    timeout = params['timeout_ms'] / 1000.0
    for probe, port in probes:
        key = '%s:%s/%s' % (probe['host'], port, probe['proto'])
        if key in profile_value:
            results[probe['id']] = _blank(probe, port, **profile_value[key])
        elif not profile_value.get('live'):
            results[probe['id']] = _blank(probe, port, socket_error=10060, rtt_ms=float(params['timeout_ms']),
                                          message='simulation: no canned answer for %s' % key)
        elif probe.get('framing') == 'tds' or not probe.get('connected', True):
            threads.append(threading.Thread(target=_exchange, args=(probe, port, timeout, results)))
        else:
            live.append(({'id': probe['id'], 'host': probe['host'], 'port': port, 'proto': probe['proto'],
                          'probe': 'tls' if probe.get('tls') else ('time' if probe.get('read') else 'none'),
                          'payload': base64.b64decode(probe['payload']), 'server_name': probe.get('server_name')}, probe))
    for thread in threads:
        thread.start()
    if live:
        # at most 128 sockets at once per module run: every simulated node shares this process's descriptor limit (a
        # 100-node fleet probes its cluster pairwise, 50 nodes at a time)
        engine = port_engine.Engine(timeout, params['retries'], 128, params['deadline_ms'] / 1000.0)
        by_id = {spec['id']: (spec, probe) for spec, probe in live}
        for raw in engine.run([spec for spec, dummy in live]):
            # .NET's ConnectAsync(name) stops at the first address that answers: the node keeps one outcome per probe
            spec, probe = by_id[raw['id']]
            if probe['id'] not in results or raw['outcome'] in ('connected', 'response'):
                results[probe['id']] = _as_windows(raw, probe, spec['port'])
    for thread in threads:
        thread.join()


def _derived_port(port_from, results):
    """``(port, why not)`` as the node finds it: group 1 of the pattern in the first listed answer; a pattern that does not
    compile, a missing group or a group that is not an ASCII port 1-65535 is a message (the probe is not-run), never an
    exception or port 0. (.NET adds a 1-second match timeout; Python's re has none, the patterns here are the collection's.)"""
    try:
        regex = re.compile(port_from['pattern'])
    except re.error as exc:
        return None, 'port_from: the pattern is not a valid regular expression (%s)' % type(exc).__name__
    for probe_id in port_from['probes']:
        source = results.get(probe_id)
        if not source or source['outcome'] != 'response' or not source['response']:
            continue
        match = regex.search(base64.b64decode(source['response']).decode('latin-1'))
        if not match:
            break
        value = match.group(1) if regex.groups >= 1 else None
        if value is None or not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= 65535:
            return None, 'port_from: group 1 of the pattern is not a port 1-65535 in the answer of %s' % probe_id
        return int(value), None
    return None, 'port_from: no answer of %s matched the pattern' % ', '.join(port_from['probes'])


NODE_AWARE = True
LOOPBACK = ('127.0.0.1', 'localhost')


def respond(profile_value, params, node=None):
    """The node's own loopback (``127.0.0.1``, ``localhost``) is the simulated node's own address: its listeners bind there."""
    profile_value = profile_value or {}
    own = (node or {}).get('address')
    probes = [dict(probe, host=own) if own and str(probe['host']).lower() in LOOPBACK else probe for probe in params.get('probes', [])]
    results = {}
    _round([(probe, int(probe.get('port') or 0)) for probe in probes if not probe.get('port_from')], profile_value, params, results)
    second = []
    for probe in probes:
        if not probe.get('port_from'):
            continue
        port, why = _derived_port(probe['port_from'], results)
        if port is None:
            results[probe['id']] = _blank(probe, None, outcome='not-run', rtt_ms=0.0, message=why)
        else:
            second.append((probe, port))
    _round(second, profile_value, params, results)
    return {'results': [results[probe['id']] for probe in probes]}
