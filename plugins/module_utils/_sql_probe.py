# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SQL Server Browser + TDS PRELOGIN probe: the exchange plan, POSIX socket exchanges, and the evaluation.

PRIVATE to this collection. The probe is a sequence of raw exchanges (UDP to the Browser, then TCP to
the instance port it names). ``run_probe`` drives them through an ``exchange`` callable that takes a
list of exchange specs and returns raw outcomes, so the same logic runs with Python sockets on a POSIX
host and with the win_socket_probe PowerShell module on a Windows node. Verdicts are made in ``evaluate``.

Raw outcome (one per spec): ``{id, outcome, socket_error, rtt_ms, response (bytes), remote, message}``
with outcome one of response (UDP datagram), connected (TCP), refused, reset, timeout, unreachable,
dns-failure, error.
"""

from __future__ import annotations

import base64
import errno
import socket
import sys
import time

from ansible_collections.safeq.preflight.plugins.module_utils import _ssrp, _tds
from ansible_collections.safeq.preflight.plugins.module_utils._findings import ERROR, FAIL, PASS, WARN, finding

# Options of sql_browser_probe for AnsibleModule on a POSIX host (the action plugin reads them from DOCUMENTATION; a unit test
# holds the two equal).
ARGUMENT_SPEC = {
    'host': {'type': 'str', 'required': True},
    'instance': {'type': 'str'},
    'timeout': {'type': 'float', 'default': 2.0},
    'prelogin': {'type': 'bool', 'default': True},
    'dac': {'type': 'bool', 'default': False},
    'query_instance': {'type': 'bool', 'default': False},
    'min_version': {'type': 'str'},
    'browser_port': {'type': 'int', 'default': 1434},
}
UDP_ENTRY = 'net.other.udp-1434-cml-db'
TCP_ENTRY = 'net.other.tcp-dynamic-cml-db'
CLOSED = ('refused', 'reset')
IP_RECVERR = getattr(socket, 'IP_RECVERR', 11 if sys.platform.startswith('linux') else None)
UNREACHABLE_ERRNOS = (errno.EHOSTUNREACH, errno.ENETUNREACH, getattr(errno, 'ENONET', -1), errno.EACCES, errno.EPERM)


def _outcome(spec, outcome, started, response=b'', remote=None, error_number=None, message=''):
    return {'id': spec['id'], 'outcome': outcome, 'socket_error': error_number, 'rtt_ms': round((time.monotonic() - started) * 1000, 1),
            'response': response, 'remote': remote, 'message': message}


def _classify_oserror(exc):
    if isinstance(exc, ConnectionRefusedError):
        return 'refused'
    if isinstance(exc, ConnectionResetError):
        return 'reset'
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return 'timeout'
    if exc.errno in UNREACHABLE_ERRNOS:
        return 'unreachable'
    return 'error'


def posix_exchange(specs):
    """Run exchange specs with Python sockets (controller or delegated POSIX host)."""
    results = []
    for spec in specs:
        started = time.monotonic()
        family = socket.SOCK_DGRAM if spec['proto'] == 'udp' else socket.SOCK_STREAM
        sock = socket.socket(socket.AF_INET, family)
        sock.settimeout(spec['timeout'])
        try:
            if spec['proto'] == 'udp':
                if IP_RECVERR is not None:
                    # Linux reports only "hard" ICMP errors (port unreachable) to UDP sockets unless IP_RECVERR is set.
                    sock.setsockopt(socket.IPPROTO_IP, IP_RECVERR, 1)
                if spec.get('connected', True):
                    sock.connect((spec['host'], spec['port']))
                    sock.send(spec['payload'])
                else:
                    sock.sendto(spec['payload'], (spec['host'], spec['port']))
                data, peer = sock.recvfrom(65535)
                results.append(_outcome(spec, 'response', started, data, '%s:%d' % peer[:2]))
                continue
            sock.connect((spec['host'], spec['port']))
            response = b''
            if spec.get('payload'):
                sock.sendall(spec['payload'])
                try:
                    while len(response) < spec.get('max_bytes', 65535):
                        chunk = sock.recv(65535)
                        if not chunk:
                            break
                        response += chunk
                        if len(response) >= 8 and len(response) >= int.from_bytes(response[2:4], 'big'):
                            break
                except (socket.timeout, TimeoutError):
                    pass
                except ConnectionResetError:
                    pass
            results.append(_outcome(spec, 'connected', started, response, '%s:%d' % (spec['host'], spec['port'])))
        except OSError as exc:
            results.append(_outcome(spec, _classify_oserror(exc), started, error_number=exc.errno, message=str(exc)))
        finally:
            sock.close()
    return results


def _spec(spec_id, proto, host, port, payload, timeout, connected=True):
    return {'id': spec_id, 'proto': proto, 'host': host, 'port': port, 'payload': payload, 'timeout': timeout, 'connected': connected,
            'max_bytes': 8192}


def run_probe(exchange, host, instance=None, timeout=2.0, prelogin=True, dac=False, browser_port=1434, query_instance=False):
    """Drive the exchanges; return the observations ``evaluate`` needs (raw outcomes plus parsed replies)."""
    obs = {'host': host, 'instance_requested': instance, 'browser': None, 'browser_retry': None, 'instances': [], 'notes': [],
           'parse_error': None, 'matched': None, 'dac': None, 'dac_port': None, 'tds': None, 'tds_parsed': None, 'tds_error': None,
           'prelogin': prelogin, 'instance_confirmed': None}
    first = exchange([_spec('browser', 'udp', host, browser_port, _ssrp.ucast_ex(), timeout)])[0]
    obs['browser'] = first
    answer = first
    if first['outcome'] == 'timeout':
        # A clustered server may answer from another address, which a connected socket drops: retry unconnected once.
        answer = exchange([_spec('browser-retry', 'udp', host, browser_port, _ssrp.ucast_ex(), timeout, connected=False)])[0]
        obs['browser_retry'] = answer
    if answer['outcome'] != 'response':
        return obs
    try:
        obs['instances'], obs['notes'] = _ssrp.parse_response(answer['response'])
    except _ssrp.SsrpParseError as exc:
        obs['parse_error'] = str(exc)
        return obs
    matched = _ssrp.find_instance(obs['instances'], instance)
    obs['matched'] = matched
    specs = []
    if matched and query_instance:
        specs.append(_spec('inst', 'udp', host, browser_port, _ssrp.ucast_inst(matched['instance_name']), timeout))
    if matched and dac:
        specs.append(_spec('dac', 'udp', host, browser_port, _ssrp.ucast_dac(matched['instance_name']), timeout))
    if matched and matched['tcp_port']:
        specs.append(_spec('tds', 'tcp', host, matched['tcp_port'], _tds.build_prelogin() if prelogin else b'', timeout))
    outcomes = {o['id']: o for o in exchange(specs)} if specs else {}
    if 'dac' in outcomes:
        obs['dac'] = outcomes['dac']
        if outcomes['dac']['outcome'] == 'response':
            try:
                obs['dac_port'] = _ssrp.parse_dac(outcomes['dac']['response'])
            except _ssrp.SsrpParseError as exc:
                obs['notes'].append('DAC reply: %s' % exc)
    if 'inst' in outcomes:
        # CLNT_UCAST_INST: the Browser answers only for an instance it knows, with that instance's record.
        obs['instance_confirmed'] = False
        if outcomes['inst']['outcome'] == 'response':
            try:
                confirmed = _ssrp.find_instance(_ssrp.parse_response(outcomes['inst']['response'])[0], matched['instance_name'])
                obs['instance_confirmed'] = confirmed is not None and confirmed['tcp_port'] == matched['tcp_port']
            except _ssrp.SsrpParseError as exc:
                obs['notes'].append('CLNT_UCAST_INST reply: %s' % exc)
    if 'tds' in outcomes:
        obs['tds'] = outcomes['tds']
        if prelogin and outcomes['tds']['outcome'] == 'connected' and outcomes['tds']['response']:
            try:
                obs['tds_parsed'] = _tds.parse_prelogin_response(outcomes['tds']['response'])
            except _tds.TdsParseError as exc:
                obs['tds_error'] = str(exc)
    return obs


def _version_tuple(text):
    return tuple(int(part) for part in str(text).split('.') if part.isascii() and part.isdigit())


def _browser_finding(obs):
    first, retry = obs['browser'], obs['browser_retry']
    where = '%s UDP 1434' % obs['host']
    if first['outcome'] in CLOSED:
        return finding(UDP_ENTRY, FAIL, 'closed', '%s is closed (ICMP port unreachable): the SQL Server Browser is not running.' % where)
    if first['outcome'] == 'unreachable':
        return finding(UDP_ENTRY, FAIL, 'host-unreachable', '%s: %s' % (where, first['message'] or 'no route to the host'))
    if first['outcome'] == 'timeout' and (retry is None or retry['outcome'] == 'timeout'):
        return finding(UDP_ENTRY, FAIL, 'browser-silent',
                       'No answer to CLNT_UCAST_EX from %s (also on an unconnected retry). Likely causes: UDP 1434 filtered by a firewall '
                       '(Windows Firewall drops it silently), the SQL Server Browser service stopped, or no SQL Server instance is '
                       'configured on the host.' % where)
    answer = retry if first['outcome'] == 'timeout' else first
    if answer['outcome'] != 'response':
        return finding(UDP_ENTRY, ERROR, 'probe-error', '%s: %s %s' % (where, answer['outcome'], answer['message']))
    if obs['parse_error']:
        return finding(UDP_ENTRY, ERROR, 'malformed-reply', '%s answered, but not with a valid MC-SQLR reply: %s' % (where, obs['parse_error']))
    names = ', '.join('%s (%s)' % (i['instance_name'], i['version']) for i in obs['instances'])
    via = ' (answer from %s on the unconnected retry: clustered server?)' % answer['remote'] if first['outcome'] == 'timeout' else ''
    notes = (' Notes: %s.' % '; '.join(obs['notes'])) if obs['notes'] else ''
    return finding(UDP_ENTRY, PASS, 'browser-answered', 'The SQL Server Browser on %s lists: %s%s.%s' % (where, names, via, notes))


def _tcp_finding(obs, min_version):
    instance = obs['instance_requested'] or _ssrp.DEFAULT_INSTANCE
    if obs['browser'] is None or (not obs['instances'] and not obs['parse_error']):
        return finding(TCP_ENTRY, ERROR, 'browser-unavailable', 'The instance port is unknown because the SQL Server Browser did not answer.')
    if obs['parse_error']:
        return finding(TCP_ENTRY, ERROR, 'browser-unavailable', 'The instance port is unknown: the Browser reply could not be parsed.')
    matched = obs['matched']
    if matched is None:
        return finding(TCP_ENTRY, FAIL, 'instance-not-found', 'Instance %s is not on %s; the Browser lists: %s.'
                       % (instance, obs['host'], ', '.join(i['instance_name'] for i in obs['instances'])))
    label = '%s\\%s' % (obs['host'], matched['instance_name'])
    if not matched['tcp_port']:
        return finding(TCP_ENTRY, FAIL, 'tcp-disabled', 'Instance %s has no tcp entry: TCP/IP is disabled for it (the default on SQL Server Express).'
                       % label)
    port = matched['tcp_port']
    if min_version and _version_tuple(matched['version']) < _version_tuple(min_version):
        return finding(TCP_ENTRY, FAIL, 'version-too-old', 'Instance %s is version %s, older than the required %s.' % (label, matched['version'], min_version))
    tds = obs['tds']
    fix = {'port': port}
    if tds is None:
        return finding(TCP_ENTRY, ERROR, 'probe-error', 'The TCP exchange with %s on port %d did not run.' % (label, port))
    if tds['outcome'] in CLOSED:
        return finding(TCP_ENTRY, FAIL, 'closed', '%s: TCP %d refused the connection.' % (label, port), fix=fix)
    if tds['outcome'] == 'timeout':
        return finding(TCP_ENTRY, FAIL, 'filtered', '%s: TCP %d filtered (no answer: service down or blocked).' % (label, port), fix=fix)
    if tds['outcome'] != 'connected':
        return finding(TCP_ENTRY, FAIL if tds['outcome'] == 'unreachable' else ERROR, tds['outcome'],
                       '%s: TCP %d %s %s' % (label, port, tds['outcome'], tds['message']), fix=fix)
    parsed = obs['tds_parsed']
    if parsed is None and obs['tds_error'] is None and obs['tds'] and not obs['tds']['response']:
        if not obs['prelogin']:
            return finding(TCP_ENTRY, PASS, 'tcp-open', '%s: TCP %d accepts connections.' % (label, port))
        return finding(TCP_ENTRY, WARN, 'possibly-strict-tds8',
                       '%s: TCP %d accepts connections but closed on a cleartext PRELOGIN: possibly strict TDS 8.0 encryption '
                       '(SQL Server 2022+), which expects TLS first.' % (label, port))
    if parsed is None:
        return finding(TCP_ENTRY, FAIL, 'not-tds', '%s: TCP %d answered, but not with a TDS PRELOGIN reply (%s).' % (label, port, obs['tds_error']))
    if min_version and _version_tuple(parsed['version']) < _version_tuple(min_version):
        return finding(TCP_ENTRY, FAIL, 'version-too-old', '%s reports %s %s, older than the required %s.'
                       % (label, parsed['product'], parsed['version'], min_version))
    return finding(TCP_ENTRY, PASS, 'tds-prelogin', '%s: TCP %d answers PRELOGIN as %s %s (encryption %s).'
                   % (label, port, parsed['product'], parsed['version'], parsed['encryption']))


def evaluate(obs, min_version=None):
    """Findings for the two catalogue rows of the external database."""
    return [_browser_finding(obs), _tcp_finding(obs, min_version)]


def summarise(obs):
    """The module's documented return values from the observations (bytes left out)."""
    browser = obs['browser_retry'] if obs['browser'] and obs['browser']['outcome'] == 'timeout' and obs['browser_retry'] else obs['browser']
    state = {'response': 'open', 'refused': 'closed', 'reset': 'closed', 'timeout': 'open|filtered'}.get(browser['outcome'], 'filtered')
    if obs['parse_error']:
        state = 'open'
    tds = None
    if obs['tds']:
        tds = {'state': {'connected': 'open', 'refused': 'closed', 'reset': 'closed', 'timeout': 'filtered'}.get(obs['tds']['outcome'], 'filtered'),
               'port': obs['matched']['tcp_port'] if obs['matched'] else None}
        if obs['tds_parsed']:
            tds.update({k: obs['tds_parsed'][k] for k in ('version', 'product', 'encryption')})
        tds['error'] = obs['tds_error']
    return {
        'browser': {'state': state, 'reason': browser['outcome'] if not obs['parse_error'] else 'malformed-reply', 'rtt_ms': browser['rtt_ms'],
                    'responder': browser.get('remote'), 'notes': obs['notes'], 'parse_error': obs['parse_error']},
        'instances': obs['instances'], 'instance': obs['matched'], 'instance_confirmed': obs['instance_confirmed'], 'dac_port': obs['dac_port'],
        'tds': tds,
    }


def resolve(host):
    """The IPv4 address of ``host``; raises ValueError with a clear message when it does not resolve."""
    try:
        return socket.getaddrinfo(host, None, socket.AF_INET, socket.SOCK_DGRAM)[0][4][0]
    except (socket.gaierror, UnicodeError) as exc:
        raise ValueError("Invalid value for option 'host': cannot resolve %r (%s)" % (host, exc)) from None


# WinSock error codes (raw, from the win_socket_probe module) -> outcome. Windows reports an ICMP port-unreachable
# on a UDP socket as WSAECONNRESET (10054).
WSA_OUTCOMES = {10061: 'refused', 10054: 'reset', 10060: 'timeout', 10065: 'unreachable', 10051: 'unreachable',
                11001: 'dns-failure', 11004: 'dns-failure', 10013: 'unreachable'}


def from_windows(raw):
    """A win_socket_probe result as a raw outcome (bytes decoded, WinSock codes classified)."""
    outcome = raw['outcome']
    if outcome == 'error':
        outcome = WSA_OUTCOMES.get(raw.get('socket_error'), 'error')
    try:
        response = base64.b64decode(raw.get('response') or '', validate=True)
    except ValueError:
        response, outcome = b'', 'error'
    return {'id': raw['id'], 'outcome': outcome, 'socket_error': raw.get('socket_error'), 'rtt_ms': raw.get('rtt_ms'),
            'response': response, 'remote': raw.get('remote'), 'message': raw.get('message') or ''}


def to_windows_spec(spec):
    """An exchange spec as win_socket_probe arguments (payload in base64, timeout in ms)."""
    return {'id': spec['id'], 'proto': spec['proto'], 'host': spec['host'], 'port': spec['port'],
            'payload': base64.b64encode(spec['payload']).decode('ascii'), 'timeout_ms': int(spec['timeout'] * 1000),
            'connected': bool(spec.get('connected', True))}
