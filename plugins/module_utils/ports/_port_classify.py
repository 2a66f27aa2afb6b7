# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Raw socket outcomes -> port states and reasons, the way nmap names them. Pure functions.

PRIVATE to this collection. States: open, closed, filtered, open|filtered, and unknown (the probe did
not run: the name did not resolve, or the overall deadline passed). Reasons: syn-ack, app-response,
udp-response, conn-refused, icmp-port-unreachable, host-unreachable, net-unreachable,
admin-prohibited, no-response, dns-failure, deadline, local-error.
"""

from __future__ import annotations

import base64

from ansible_collections.safeq.preflight.plugins.module_utils.ports import _port_payloads

OPEN, CLOSED, FILTERED, OPEN_FILTERED, UNKNOWN = 'open', 'closed', 'filtered', 'open|filtered', 'unknown'

# ICMP destination-unreachable codes (RFC 792, RFC 1812) -> reason.
_ICMP4_REASON = {0: 'net-unreachable', 1: 'host-unreachable', 3: 'icmp-port-unreachable', 9: 'admin-prohibited',
                 10: 'admin-prohibited', 13: 'admin-prohibited', 6: 'net-unreachable', 7: 'host-unreachable'}
# ICMPv6 destination-unreachable (type 1) codes (RFC 4443): 0 no route, 1 administratively prohibited, 2 beyond the scope of the
# source address, 3 address unreachable, 4 port unreachable, 5 source address failed ingress/egress policy, 6 reject route.
_ICMP6_REASON = {0: 'net-unreachable', 1: 'admin-prohibited', 2: 'host-unreachable', 3: 'host-unreachable', 4: 'icmp-port-unreachable',
                 5: 'admin-prohibited', 6: 'admin-prohibited'}
# origin (SO_EE_ORIGIN_ICMP, SO_EE_ORIGIN_ICMP6) -> (the family's destination-unreachable type, its codes). ICMPv6 type 3 is Time
# Exceeded and ICMPv4 type 1 is unassigned: a message of another type is no destination-unreachable.
_UNREACHABLE = {2: (3, _ICMP4_REASON), 3: (1, _ICMP6_REASON)}
_ERRNO_REASON = {'ECONNREFUSED': 'conn-refused', 'EHOSTUNREACH': 'host-unreachable', 'ENETUNREACH': 'net-unreachable',
                 'ENONET': 'host-unreachable', 'EHOSTDOWN': 'host-unreachable', 'EACCES': 'admin-prohibited',
                 'EPERM': 'admin-prohibited', 'ETIMEDOUT': 'no-response'}
# WinSock error codes (winerror.h) as the node's sockets report them.
_WSA_REASON = {10061: 'conn-refused', 10054: 'icmp-port-unreachable', 10065: 'host-unreachable', 10064: 'host-unreachable',
               10051: 'net-unreachable', 10013: 'admin-prohibited', 10060: 'no-response', 10049: 'no-response',
               11001: 'dns-failure', 11004: 'dns-failure', 11002: 'dns-failure'}

WINDOWS_SILENCE = ('no answer (service down or blocked): Windows Firewall drops connections to ports without a listener '
                   'instead of refusing them, so a stopped service and a blocking firewall look the same from a Windows node')

_APP = {'snmp', 'ssrp', 'time'}


def _reason_of_error(raw, proto):
    icmp = raw.get('icmp')
    if icmp and icmp.get('origin') in _UNREACHABLE:  # SO_EE_ORIGIN_ICMP / ICMP6
        unreachable, table = _UNREACHABLE[icmp['origin']]
        if icmp['type'] == unreachable:
            return table.get(icmp['code'], 'host-unreachable')
    reason = _ERRNO_REASON.get(raw.get('errno') or '', 'local-error')
    if reason == 'conn-refused' and proto == 'udp':
        return 'icmp-port-unreachable'
    return reason


def _state_of_reason(reason, proto, icmp, address):
    if reason == 'conn-refused':
        return CLOSED
    if reason == 'icmp-port-unreachable':
        # nmap: port-unreachable from the target itself means closed; from a router in between, filtered.
        if icmp and icmp.get('from') and address and icmp['from'] != address:
            return FILTERED
        return CLOSED
    if reason == 'no-response':
        return OPEN_FILTERED if proto == 'udp' else FILTERED
    if reason in ('dns-failure', 'deadline', 'local-error'):
        return UNKNOWN
    return FILTERED


def _app(spec, response, now=None):
    """Parse an application answer; returns (facts, error message)."""
    try:
        if spec['probe'] == 'snmp':
            return {'sys_descr': _port_payloads.parse_snmp(response, spec['request_id'])}, None
        if spec['probe'] == 'ssrp':
            return {'instances': _port_payloads.parse_ssrp(response)}, None
        if spec['probe'] == 'time':
            when, skew = _port_payloads.parse_time(response, now)
            return {'time': when, 'skew_seconds': skew}, None
    except (ValueError, KeyError) as exc:
        return None, str(exc)
    return None, None


def _detail(state, reason, rtt, attempts, proto, windows):
    if state == OPEN:
        return 'open (%s) in %.0f ms' % (reason, rtt)
    if reason == 'no-response':
        if proto == 'udp':
            return 'open|filtered: no answer to %d datagram(s); a UDP service that ignores the probe looks the same as a blocked port' % attempts
        return 'filtered (%s)' % (WINDOWS_SILENCE if windows else 'no answer: service down or blocked')
    if reason == 'conn-refused':
        return 'closed: the host answered with a TCP reset (reachable, nothing listening)'
    if reason == 'icmp-port-unreachable':
        return ('closed: ICMP port unreachable (reachable, nothing listening)' if state == CLOSED
                else 'filtered: ICMP port unreachable sent by a router, not by the target')
    return '%s (%s)' % (state, reason)


def classify(spec, raw, windows=False, now=None):
    """One result for one probe: state, reason, rtt, detail and what the application or TLS said."""
    proto = spec['proto']
    result = {'host': spec['host'], 'port': spec['port'], 'proto': proto, 'probe': spec['probe'], 'entry': spec.get('entry'),
              'expect': spec.get('expect', 'open'), 'listener': bool(spec.get('listener')), 'resets': bool(spec.get('resets')),
              'listener_missing': spec.get('listener_missing'),
              'source': spec.get('source') or '', 'state': UNKNOWN, 'reason': 'local-error', 'rtt_ms': raw.get('rtt_ms', 0.0),
              'attempts': raw.get('attempts', 1), 'detail': '', 'app': None, 'tls': None, 'icmp': raw.get('icmp'),
              'address': raw.get('address')}
    outcome = raw['outcome']
    response = raw.get('response') or b''
    if outcome == 'connected':
        result.update(state=OPEN, reason='syn-ack')
        if spec['probe'] == 'time' and not response:
            result['app_error'] = raw.get('message') or 'no Time protocol answer'
    elif outcome == 'response':
        result.update(state=OPEN, reason='udp-response' if proto == 'udp' else 'syn-ack')
    elif outcome == 'dns-failure':
        result.update(reason='dns-failure', detail='the name does not resolve: %s' % raw.get('message', ''))
        return result
    elif outcome == 'not-run':
        result.update(reason='deadline', detail='not probed: the overall deadline passed first')
        return result
    elif outcome == 'timeout':
        result['reason'] = 'no-response'
    elif windows:
        result['reason'] = _WSA_REASON.get(raw.get('socket_error'), 'local-error')
        if result['reason'] == 'icmp-port-unreachable' and proto == 'tcp':
            result['reason'] = 'conn-refused'
    else:
        result['reason'] = _reason_of_error(raw, proto)
    if result['state'] != OPEN:
        result['state'] = _state_of_reason(result['reason'], proto, raw.get('icmp'), raw.get('address'))
    if response and spec['probe'] in _APP:
        facts, error = _app(spec, response, now)
        if facts is not None:
            result.update(app=facts, reason='app-response')
        elif error:
            result['app_error'] = error
    if spec['probe'] == 'tls' and raw.get('tls'):
        result['tls'] = _tls(raw['tls'], spec.get('server_name') or spec['host'], now)
    if not result['detail']:
        result['detail'] = _detail(result['state'], result['reason'], result['rtt_ms'], result['attempts'], proto, windows)
        if result['state'] == UNKNOWN and raw.get('message'):
            result['detail'] += ': %s' % raw['message']
    return result


def _tls(raw_tls, server_name, now=None):
    der = raw_tls.get('der') or b''
    if isinstance(der, str):
        der = base64.b64decode(der)
    facts = {'version': raw_tls.get('version'), 'cipher': raw_tls.get('cipher'), 'error': raw_tls.get('error')}
    if der:
        facts.update(_port_payloads.certificate_facts(der, server_name, now))
    elif not facts['error']:
        facts['error'] = 'the server sent no certificate'
    return facts
