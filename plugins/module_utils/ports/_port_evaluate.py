# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""port_check results -> findings for the catalogue's port rows. Pure functions.

PRIVATE to this collection. A target names the catalogue entry it evidences (``entry``) and what the
row needs (``expect``): ``open`` (a service must answer), ``reachable`` (the firewalls must let the flow
through) or ``closed`` (the port must NOT be reachable from the probing host: least privilege).

What a probe proves depends on what stands at the destination:

- ``listener: true``: a listener (a temporary one of win_port_listener, or the service) is known to be
  there. ``open`` proves the path; silence is a fail naming source and destination; a refusal means a
  device between (or the host's own firewall) answered for the listener.
- ``listener: false``: nothing is known to listen. When the destination is known to answer resets
  (``resets: true``: a Linux peer, a Windows peer whose firewall is off or not in stealth mode), silence
  is a fail (the peer would have answered), but a reset is only a ``warn`` ``reset-not-proof``: a
  firewall between that rejects with resets carrying the destination's address looks the same, so a
  reset never passes a row. Otherwise the row is ``manual``: Windows Firewall drops traffic to a port
  without a listener, so "allowed, nothing listening" and "blocked" look the same, and a reset may come
  from a device between. A pass needs an answer from a listener or the service (``open``).

One finding per entry: the worst of its targets; every sentence says from where it was probed.
"""

from __future__ import annotations

import ipaddress

from ansible_collections.safeq.preflight.plugins.module_utils.ports import _firewall
from ansible_collections.safeq.preflight.plugins.module_utils._findings import ERROR, FAIL, MANUAL, PASS, SEVERITY, WARN, finding
from ansible_collections.safeq.preflight.plugins.module_utils.ports._port_classify import CLOSED, FILTERED, OPEN, OPEN_FILTERED, UNKNOWN

_SERVICE = {OPEN: (PASS, 'open'), CLOSED: (FAIL, 'closed'), FILTERED: (FAIL, 'filtered'), OPEN_FILTERED: (WARN, 'no-udp-answer')}

# (expect, listener, resets) -> state -> (status, reason). 'open' needs a service and ignores the flags.
_VERDICT = {
    ('reachable', True, True): {OPEN: (PASS, 'open'), CLOSED: (FAIL, 'refused-with-listener'), FILTERED: (FAIL, 'filtered'),
                                OPEN_FILTERED: (FAIL, 'filtered')},
    ('reachable', False, True): {OPEN: (PASS, 'open'), CLOSED: (WARN, 'reset-not-proof'), FILTERED: (FAIL, 'filtered'),
                                 OPEN_FILTERED: (MANUAL, 'udp-silent-no-listener')},
    ('reachable', False, False): {OPEN: (PASS, 'open'), CLOSED: (MANUAL, 'reset-not-evidence'), FILTERED: (MANUAL, 'silent-no-listener'),
                                  OPEN_FILTERED: (MANUAL, 'udp-silent-no-listener')},
    ('closed', True, True): {OPEN: (WARN, 'reachable-should-be-blocked'), CLOSED: (PASS, 'blocked'), FILTERED: (PASS, 'blocked'),
                             OPEN_FILTERED: (PASS, 'blocked')},
    ('closed', False, True): {OPEN: (WARN, 'reachable-should-be-blocked'), CLOSED: (WARN, 'reachable-should-be-blocked'),
                              FILTERED: (PASS, 'blocked'), OPEN_FILTERED: (MANUAL, 'udp-silent-no-listener')},
    ('closed', False, False): {OPEN: (WARN, 'reachable-should-be-blocked'), CLOSED: (MANUAL, 'reset-not-evidence'),
                               FILTERED: (MANUAL, 'silent-no-listener'), OPEN_FILTERED: (MANUAL, 'udp-silent-no-listener')},
}

_EXPLAIN = {
    'refused-with-listener': 'refused although a listener was in place: a device between (a firewall that sends resets, a proxy) '
                             'or the host firewall (a rule rejecting the port or the listening program) answered for the host',
    'filtered': 'no answer',
    'reset-not-proof': 'a reset (or ICMP port unreachable) came back with the destination\'s address, but a firewall between '
                       'that rejects with resets (iptables REJECT --reject-with tcp-reset, pfSense Reject, Palo Alto '
                       'reset-server) looks exactly the same, so it does not prove the path open; confirm with a listener or '
                       'the service on the destination, or in the firewall\'s log',
    'reset-not-evidence': 'a reset came back, but the destination is not known to answer resets (Windows Firewall drops '
                          'instead): it may come from a device between, so it proves nothing',
    'silent-no-listener': 'no answer, and nothing listens there: Windows Firewall drops traffic to a port without a listener, '
                          'so allowed and blocked look the same',
    'udp-silent-no-listener': 'no answer to the datagram, and no responder listens there: allowed and blocked look the same',
    'reachable-should-be-blocked': 'reachable from here, but the checklist keeps this port local or blocked from outside',
}


def _where(result, address=False):
    """``host:port/proto``; with ``address``, a name says which of its addresses this probe went to (each address of a name
    is a result of its own)."""
    where = '%s:%s/%s' % (result['host'], result['port'], result['proto'])
    if address and result.get('address') and str(result['address']) != str(result['host']):
        where += ' (address %s)' % result['address']
    return where


def _flow(result, address=False):
    source = result.get('source') or 'this host'
    return 'from %s to %s' % (source, _where(result, address))


def _tls_verdict(tls, min_days):
    if tls.get('error') and not tls.get('subject'):
        return FAIL, 'tls-failed', 'TLS handshake failed: %s' % tls['error']
    if tls.get('parse_error'):
        return ERROR, 'tls-certificate-unreadable', tls['parse_error']
    if tls['days_left'] < 0:
        return FAIL, 'tls-expired', 'certificate %s expired on %s' % (tls['subject'], tls['not_after'])
    if not tls['name_matches']:
        names = ', '.join(tls['san_dns'] + tls['san_ip']) or 'none'
        return WARN, 'tls-name-mismatch', 'certificate %s (SAN %s) does not name %s' % (tls['subject'], names, tls['name'])
    if tls['days_left'] < min_days:
        return WARN, 'tls-expiring', 'certificate %s expires in %d days (%s)' % (tls['subject'], tls['days_left'], tls['not_after'])
    return PASS, 'tls-ok', '%s, certificate %s valid for %d days' % (tls['version'], tls['subject'], tls['days_left'])


def verdict(expect, state, listener=False, resets=False):
    """(status, reason) for one state: pure, the table above. A listener makes the destination answer for itself."""
    if expect == 'open':
        return _SERVICE[state]
    key = (expect, bool(listener), bool(resets) or bool(listener))
    return _VERDICT[key][state]


# UDP probes that send a request the service answers (not an empty datagram a service may ignore)
_ANSWERING_PROBES = ('snmp', 'ssrp', 'time')
_NO_LISTENER = ('reset-not-evidence', 'silent-no-listener', 'udp-silent-no-listener')
# ICMP answers that only a device on the path (or a host rule that rejects) sends: evidence of a block that stays after installation.
# icmp-port-unreachable reaches a least-privilege flow as "filtered" only when a router (not the target) sent it (_port_classify).
_ANSWERED_BETWEEN = ('admin-prohibited', 'icmp-port-unreachable')
# host/net unreachable: the probing host's own stack says so when ARP or its route fails, and a router says so when the
# destination is down: neither is a block that stays after installation
_UNREACHABLE = ('host-unreachable', 'net-unreachable')


def _family(result):
    """The IP version the probe went to (4 or 6; the resolved address first, else the target), None when not known (a name
    whose address the probing host did not report)."""
    for value in (result.get('address'), result.get('host')):
        try:
            return ipaddress.ip_address(str(value).split('%', maxsplit=1)[0]).version
        except ValueError:
            continue
    return None


def _ipv4(result):
    """Whether the probe went to an IPv4 address (the temporary listener binds 0.0.0.0: IPv4 only)."""
    return _family(result) == 4


IPV4_ONLY = ('ipv4-only: the temporary listener binds 0.0.0.0 (IPv4 only), so nothing of it listened at the IPv6 address this '
             'probe went to')


def _over_ipv6(result):
    """A ``reachable`` flow judged with a temporary listener that went over IPv6 is judged without it: the listener binds IPv4
    only, so over IPv6 nothing of it stood there, and silence or a reset would be a false fail. (A least-privilege flow keeps
    its listener: ``_least_privilege`` takes no reset over IPv6 as evidence, and a Block rule covers both families.)"""
    if result.get('listener') and result.get('expect') == 'reachable' and _family(result) == 6:
        return dict(result, listener=False, listener_missing=IPV4_ONLY)
    return result


def _least_privilege(result):
    """(status, reason, note) for a least-privilege flow that was not reachable. Before installation nothing allows the temporary
    listener (powershell.exe), so Windows Firewall's default inbound Block alone makes any port look blocked, and SafeQ's
    installer adds its own allow rules later: a pass needs evidence that survives the installation."""
    evidence = result.get('block_evidence') or {}
    if result['state'] == CLOSED:
        if _ipv4(result) and evidence.get('stealth') is True:
            return PASS, 'blocked-between', ('a reset came back although a listener was in place on IPv4 and the node\'s firewall is '
                                             'on with stealth mode in every profile in force (it never resets): a device between (or '
                                             'a host rule that rejects) answers for the port, and it stays after installation')
        return MANUAL, 'block-not-proven', (
            'a reset came back, but %s: the node itself may have sent it, so it proves no block between' % (
                'the probe went to an IPv6 address (or one not known), where the IPv4 listener does not stand' if not _ipv4(result)
                else 'the node\'s firewall facts do not show Windows Firewall on with stealth mode in every profile in force (%s)'
                % (evidence.get('sentence') or 'no Windows Firewall facts from the node')))
    if result['state'] in (FILTERED, OPEN_FILTERED) and result.get('reason') in _UNREACHABLE:
        return MANUAL, 'unreachable-not-evidence', ('%s: the probing host\'s own stack answers so when the destination does not '
                                                    'answer ARP or has no route, and a router when the host is down; not a block that '
                                                    'stays after installation' % result['reason'])
    if result['state'] == FILTERED and result.get('reason') in _ANSWERED_BETWEEN:
        return PASS, 'blocked-between', 'a device between answered (%s): the block is on the path and stays after installation' % result['reason']
    kind, sentence = _firewall.evidence_for(evidence)
    if kind == 'block-rule':
        return PASS, 'blocked-by-rule', '%s; block rules win over the allow rules SafeQ\'s installer adds' % sentence
    if kind == 'firewall-off':
        return PASS, 'blocked-between', '%s, so the silence came from a device between, and it stays after installation' % sentence
    return MANUAL, 'block-not-proven', ("no answer, but Windows Firewall's default inbound Block drops traffic to the temporary "
                                        "listener (powershell.exe has no allow rule), and SafeQ's installer adds its own allow rules "
                                        "later: not proof that the port stays blocked (%s)" % sentence)


def judge(result, tls_min_days=30):
    """(status, reason, sentence) for one result against what its target expects."""
    if result['state'] == UNKNOWN:
        return ERROR, result['reason'], '%s could not be probed: %s' % (_flow(result, True), result['detail'])
    result = _over_ipv6(result)
    status, reason = verdict(result['expect'], result['state'], result.get('listener'), result.get('resets'))
    if result['expect'] == 'open' and result['state'] == OPEN_FILTERED and result.get('probe') in _ANSWERING_PROBES:
        # the probe was a real request (an SNMP GET with the site's community, an SQL Browser query): a live service answers it,
        # so silence means blocked, the service off or the community refused, and the row's use fails the same way
        status = FAIL
    sentence = '%s: %s' % (_flow(result, True), result['detail'])
    if reason in _NO_LISTENER and result.get('listener_missing') and not result.get('listener'):
        # the node runs a temporary listener, but not on this port (it could not bind it, or it did not answer on the node's
        # loopback in time): nothing stood there, so the probe decides nothing about the row
        reason = 'listener-missing'
        sentence += ' (no temporary listener held this port: %s; %s)' % (result['listener_missing'], _EXPLAIN[verdict(
            result['expect'], result['state'], False, result.get('resets'))[1]])
    elif result['expect'] == 'closed' and status == PASS:
        status, reason, note = _least_privilege(result)
        sentence += ' (%s)' % note
    elif reason in _EXPLAIN and result['expect'] != 'open':
        sentence += ' (%s)' % _EXPLAIN[reason]
    if status == PASS and result['state'] == OPEN and result.get('tls'):
        status, reason, tls_sentence = _tls_verdict(result['tls'], tls_min_days)
        sentence += '; ' + tls_sentence
    return status, reason, sentence


def _fix(status, reason, result):
    """The specifics of the catalogue's remediation of ``reason`` (the network area's variants): ``where`` the flow, ``host`` the
    destination, ``block_rule`` the Windows Firewall rule that blocks the port for any remote address (loopback is not
    filtered); ``variant`` names the wording of a service's port that answers nothing."""
    if status == PASS:
        return {}
    fix = {'where': '%s %s %s' % (result['proto'].upper(), result['port'], _flow(result)), 'host': result['host']}
    if reason in ('reachable-should-be-blocked', 'block-not-proven'):
        fix['block_rule'] = _firewall.block_rule(result['proto'], int(result['port']))
    if reason == 'filtered' and result['expect'] == 'open':
        fix['variant'] = 'filtered-service'
    return fix


def evaluate(results, tls_min_days=30):
    """One finding per catalogue entry named by the targets; targets without an entry produce none."""
    by_entry = {}
    for result in results:
        if result.get('entry'):
            by_entry.setdefault(result['entry'], []).append(result)
    findings = []
    for entry_id, items in by_entry.items():
        judged = [judge(item, tls_min_days) + (item,) for item in items]
        worst = min(judged, key=lambda item: SEVERITY[item[0]])
        status, reason, dummy, item = worst
        shown = [sentence for state, dummy2, sentence, dummy3 in judged if state == status]
        detail = '; '.join(shown[:5]) + ('; and %d more' % (len(shown) - 5) if len(shown) > 5 else '')
        findings.append(finding(entry_id, status, reason, detail, fix=_fix(status, reason, item), observed=_observed(judged)))
    return findings


GROUP_KEYS = ('source', 'state', 'reason', 'listener', 'verdict')


def _observed(judged):
    """The flows behind one finding, grouped by outcome: one item per source, state, reason, listener and verdict, listing its
    targets (``host:port/proto``) and, in the same order, the address each went to. A 100-node cluster's entry is then one item
    of 99 targets, not 99 items: the flow matrix is the largest part of what a node's probe returns (docs/pipelines.md)."""
    groups = {}
    for status, dummy, dummy2, item in judged:
        key = (item.get('source') or '', item['state'], item['reason'], bool(item.get('listener')), status)
        group = groups.get(key)
        if group is None:
            group = groups[key] = dict(zip(GROUP_KEYS, key), targets=[], addresses=[])
        group['targets'].append(_where(item))
        group['addresses'].append(item.get('address'))
    return list(groups.values())


def grouped(observed):
    """Whether ``observed`` is a port finding's flows grouped by outcome (``_observed``), whatever module's row it evidences."""
    return isinstance(observed, list) and any(isinstance(item, dict) and isinstance(item.get('targets'), list) for item in observed)


def flows(observed):
    """Each flow of a port finding's grouped ``observed``, one dict apiece: source, target, address, state, reason, listener,
    verdict (the shape the report's flow matrix lists). Any other item (already one flow, or another module's observation
    merged into the same row) is kept as it is."""
    found = []
    for group in observed if isinstance(observed, list) else ():
        if not isinstance(group, dict) or not isinstance(group.get('targets'), list):
            found.append(group)
            continue
        addresses = group.get('addresses') if isinstance(group.get('addresses'), list) else []
        for index, target in enumerate(group['targets']):
            found.append({'source': group.get('source'), 'target': target, 'address': addresses[index] if index < len(addresses) else None,
                          'state': group.get('state'), 'reason': group.get('reason'), 'listener': group.get('listener'),
                          'verdict': group.get('verdict')})
    return found
