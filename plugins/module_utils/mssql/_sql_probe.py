# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SQL Server Browser + TDS PRELOGIN probe: the exchange plan, POSIX socket exchanges, and the evaluation.

PRIVATE to this collection. The probe is a sequence of raw exchanges (UDP to the Browser, then TCP to
the instance port it names). ``run_probe`` drives them through an ``exchange`` callable that takes a
list of exchange specs and returns raw outcomes, so the same logic runs with Python sockets on a POSIX
host and, on a Windows node, replays the answers of ONE win_port_probe run (``node_probes`` plans every
exchange at once; the TDS probe takes its port from the Browser's answer on the node, and ``node_exchange``
refuses any port that differs from what ``_ssrp`` parses here). Verdicts are made in ``evaluate``.

Raw outcome (one per spec): ``{id, outcome, socket_error, rtt_ms, response (bytes), remote, message, read_end}``
with outcome one of response (UDP datagram), connected (TCP), refused, reset, timeout, unreachable,
dns-failure, error. ``read_end`` says how the read after a TCP payload ended: complete (a whole TDS packet),
closed (the server closed), reset, timeout (nothing more within the timeout), error; None when nothing was read.
"""

from __future__ import annotations

import base64
import errno
import socket
import sys
import time

from ansible_collections.safeq.preflight.plugins.module_utils.mssql import _ssrp, _tds
from ansible_collections.safeq.preflight.plugins.module_utils.ports import _port_check, _port_classify
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


def _outcome(spec, outcome, started, response=b'', remote=None, error_number=None, message='', read_end=None):
    return {'id': spec['id'], 'outcome': outcome, 'socket_error': error_number, 'rtt_ms': round((time.monotonic() - started) * 1000, 1),
            'response': response, 'remote': remote, 'message': message, 'read_end': read_end}


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


def _read_tds(sock, spec):
    """Send the payload, read one TDS packet: ``(bytes, read_end)``. A server that accepts and stays silent is ``timeout``."""
    sock.sendall(spec['payload'])
    # settimeout bounds one recv only: a server that trickles bytes would keep the loop going; one deadline bounds
    # the whole answer, each recv waits at most the time left
    deadline = time.monotonic() + spec['timeout']
    response = b''
    try:
        while len(response) < spec.get('max_bytes', 65535):
            left = deadline - time.monotonic()
            if left <= 0:
                return response, 'timeout'
            sock.settimeout(left)
            chunk = sock.recv(65535)
            if not chunk:
                return response, 'closed'
            response += chunk
            if len(response) >= 8 and len(response) >= int.from_bytes(response[2:4], 'big'):
                return response, 'complete'
    except (socket.timeout, TimeoutError):
        return response, 'timeout'
    except ConnectionResetError:
        return response, 'reset'
    return response, 'complete'


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
            response, read_end = b'', None
            if spec.get('payload'):
                response, read_end = _read_tds(sock, spec)
            results.append(_outcome(spec, 'connected', started, response, '%s:%d' % (spec['host'], spec['port']), read_end=read_end))
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
           'prelogin': prelogin, 'instance_confirmed': None, 'timeout': timeout}
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


def _silent_finding(label, port, read_end, timeout):
    """TCP connected, PRELOGIN sent, no byte back: how the read ended tells a silent port from a prompt close."""
    if read_end == 'timeout':
        # a SYN proxy, a load balancer with no live backend or a hung service accepts and never answers; SafeQ cannot log in
        return finding(TCP_ENTRY, FAIL, 'no-prelogin-reply',
                       '%s: TCP %d accepts connections but sent nothing in answer to PRELOGIN within %ss: a hung SQL Server, '
                       'a load balancer or SYN proxy with no live server behind it, or a service that is not SQL Server.'
                       % (label, port, timeout), fix={'port': port})
    if read_end in ('closed', 'reset'):
        # a strict TDS 8.0 server expects a TLS ClientHello first and drops a cleartext PRELOGIN at once
        return finding(TCP_ENTRY, WARN, 'possibly-strict-tds8',
                       '%s: TCP %d accepts connections but %s the connection on a cleartext PRELOGIN without answering: possibly '
                       'strict TDS 8.0 encryption (SQL Server 2022+), which expects TLS first.'
                       % (label, port, 'closed' if read_end == 'closed' else 'reset'))
    return finding(TCP_ENTRY, ERROR, 'probe-error', '%s: TCP %d accepts connections; the PRELOGIN answer could not be read (%s).'
                   % (label, port, read_end or 'how the read ended is unknown'))


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
        return _silent_finding(label, port, tds.get('read_end'), obs.get('timeout'))
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


CONTROLLER_NAMES = ('localhost', '127.0.0.1', '::1')


def from_vantage(findings, node, probed_from):
    """The findings of a probe run for ``node`` from ``probed_from`` (the host its exchanges left from).

    The checklist flow is CML -> DB: measured from another host (the controller with ``safeq_db_probe_from: controller``)
    it says nothing about the node's path, so every finding names where it was measured (``measured_from`` and its
    detail) and a pass is capped at warn (``probed-from-controller``, or ``probed-off-node`` for another host). Findings
    measured on the node itself are returned unchanged.
    """
    if not probed_from or probed_from == node:
        return findings
    controller = probed_from in CONTROLLER_NAMES
    where = 'the controller (%s)' % probed_from if controller else probed_from
    capped = []
    for item in findings:
        item = dict(item, measured_from=probed_from,
                    detail='Probed from %s, not from %s, so this is not the CML -> DB path: %s' % (where, node, item.get('detail') or ''))
        if item['status'] == PASS:
            item.update(status=WARN, reason='probed-from-controller' if controller else 'probed-off-node', remediation='')
        capped.append(item)
    return capped


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


# The port engine's reasons (``_port_classify``, the classifier of port_check, used for the node's WinSock codes too)
# -> this probe's outcomes. Windows reports an ICMP port-unreachable on a UDP socket as WSAECONNRESET (10054).
_REASON_OUTCOMES = {'syn-ack': 'connected', 'udp-response': 'response', 'conn-refused': 'refused', 'icmp-port-unreachable': 'reset',
                    'host-unreachable': 'unreachable', 'net-unreachable': 'unreachable', 'admin-prohibited': 'unreachable',
                    'no-response': 'timeout', 'dns-failure': 'dns-failure'}
# The Browser exchanges whose answer names the TDS port on the node (the connected socket first, then the unconnected one).
BROWSER_IDS = ('browser', 'browser-retry')


def _nocase(text):
    """``text`` as a regular expression that ignores case without a culture (.NET's IgnoreCase follows the node's culture)."""
    parts = []
    for char in text:
        variants = sorted({char, char.lower(), char.upper()} & {chr(code) for code in range(256)})
        codes = ''.join('\\x%02x' % ord(item) if not (item.isascii() and item.isalnum()) else item for item in variants)
        parts.append(codes if len(variants) == 1 else '[%s]' % codes)
    return ''.join(parts)


def port_pattern(instance):
    """A regular expression (.NET and Python alike) whose group 1 is the TCP port of ``instance`` in a Browser answer.

    It is matched against the answer's bytes as ISO-8859-1 text: the ``tcp`` key of the record whose ``InstanceName``
    is ``instance`` (None = MSSQLSERVER), before the next record's ``ServerName``. It only locates a port; the answer is
    parsed and judged in Python (``_ssrp``), which refuses a port that differs.
    """
    name = _ssrp._instance_bytes(instance or _ssrp.DEFAULT_INSTANCE).decode('latin-1')  # pylint: disable=protected-access
    return ';%s;%s;(?:(?!%s;)[^;]*;)*?%s;([0-9]{1,5});' % (_nocase('InstanceName'), _nocase(name), _nocase('ServerName'), _nocase('tcp'))


def _node_probe(probe_id, proto, host, port, payload, **extra):
    return dict({'id': probe_id, 'proto': proto, 'host': host, 'port': port, 'payload': base64.b64encode(payload).decode('ascii')}, **extra)


def node_probes(host, instance=None, timeout=2.0, prelogin=True, dac=False, browser_port=1434, query_instance=False):
    """The win_port_probe arguments of the whole probe in ONE node call (``run_probe``'s exchanges, planned at once).

    The Browser is asked on a connected and an unconnected socket at once (``run_probe`` reads the second only when
    the first is silent), CLNT_UCAST_INST / DAC name the requested instance (MC-SQLR compares names case-insensitively),
    and the TDS exchange runs in the node's second round on the port the Browser's answer names (``port_pattern``).
    """
    name = instance or _ssrp.DEFAULT_INSTANCE
    probes = [_node_probe('browser', 'udp', host, browser_port, _ssrp.ucast_ex()),
              _node_probe('browser-retry', 'udp', host, browser_port, _ssrp.ucast_ex(), connected=False)]
    if query_instance:
        probes.append(_node_probe('inst', 'udp', host, browser_port, _ssrp.ucast_inst(name)))
    if dac:
        probes.append(_node_probe('dac', 'udp', host, browser_port, _ssrp.ucast_dac(name)))
    probes.append(_node_probe('tds', 'tcp', host, 0, _tds.build_prelogin() if prelogin else b'', framing='tds' if prelogin else 'none',
                              port_from={'probes': list(BROWSER_IDS), 'pattern': port_pattern(instance)}))
    timeout_ms = int(timeout * 1000)
    # two rounds (the Browser, then TDS), each a connect or datagram wait plus, for TDS, one read
    return {'timeout_ms': timeout_ms, 'retries': 0, 'deadline_ms': 3 * timeout_ms + 1000, 'probes': probes}


# WinSock codes of a failed read after the PRELOGIN (.NET's ReadTimeout expiring is WSAETIMEDOUT)
_READ_ERRORS = {10060: 'timeout', 10054: 'reset', 10053: 'reset'}


def _node_read_end(raw):
    """How the node's TDS read ended (win_port_probe ``read_end`` / ``read_error``) as ``posix_exchange`` names it."""
    end = raw.get('read_end')
    if end == 'error':
        return _READ_ERRORS.get(raw.get('read_error'), 'error')
    return end


def from_node(raw, proto):
    """A win_port_probe result as this probe's raw outcome (WinSock codes classified by ``_port_classify``)."""
    outcome = {'id': raw['id'], 'outcome': 'error', 'socket_error': raw.get('socket_error'), 'rtt_ms': raw.get('rtt_ms'), 'response': b'',
               'remote': raw.get('address'), 'message': raw.get('message') or '', 'read_end': None}
    try:
        base64.b64decode(raw.get('response') or '', validate=True)
    except ValueError:
        return dict(outcome, message='the node answered with a response that is not base64')
    engine_raw = _port_check.from_windows(raw)
    reason = _port_classify.classify({'host': '', 'port': raw.get('port'), 'proto': proto, 'probe': 'none'}, engine_raw, windows=True)['reason']
    return dict(outcome, outcome=_REASON_OUTCOMES.get(reason, 'error'), response=engine_raw['response'], read_end=_node_read_end(raw))


def node_exchange(probes, results):
    """An ``exchange`` for ``run_probe`` that answers from one win_port_probe run (``probes`` sent, ``results`` returned).

    An exchange ``run_probe`` asks for is answered only when the node ran the same exchange: same port (the TDS port
    the node read from the Browser's answer must be the one ``_ssrp`` parses) and the same bytes (instance names
    compared case-insensitively, as the Browser does); otherwise its outcome is ``error``, never a pass.
    """
    sent = {probe['id']: probe for probe in probes}
    by_id = {raw['id']: raw for raw in results}

    def answer(spec):
        raw, probe = by_id.get(spec['id']), sent.get(spec['id'])
        problem = None
        if raw is None or probe is None:
            problem = 'the node did not run the %s exchange' % spec['id']
        elif raw.get('outcome') == 'not-run' or raw.get('port') != spec['port']:
            problem = ('the node did not probe port %s that the Browser names for this instance (node: port %s, %s)'
                       % (spec['port'], raw.get('port'), raw.get('message') or raw.get('outcome')))
        elif base64.b64decode(probe['payload']).decode('latin-1').lower() != spec['payload'].decode('latin-1').lower():
            problem = 'the node sent other bytes for the %s exchange' % spec['id']
        if problem:
            return {'id': spec['id'], 'outcome': 'error', 'socket_error': None, 'rtt_ms': 0.0, 'response': b'', 'remote': None,
                    'message': problem, 'read_end': None}
        return from_node(raw, probe['proto'])

    return lambda specs: [answer(spec) for spec in specs]
