# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""port_check results -> findings for the catalogue's port rows. Pure functions.

PRIVATE to this collection. A target names the catalogue entry it evidences (``entry``) and what the
row needs (``expect``): ``open`` (a service must answer), ``reachable`` (before installation nothing
listens yet, so a TCP reset proves the path is open), or ``closed`` (the port must not be reachable,
for example etcd, which listens on localhost only). One finding per entry: the worst of its targets.
"""

from __future__ import annotations

from ansible_collections.safeq.preflight.plugins.module_utils._findings import ERROR, FAIL, PASS, SEVERITY, WARN, finding
from ansible_collections.safeq.preflight.plugins.module_utils._port_classify import CLOSED, FILTERED, OPEN, OPEN_FILTERED, UNKNOWN

_VERDICT = {
    'open': {OPEN: (PASS, 'open'), CLOSED: (FAIL, 'closed'), FILTERED: (FAIL, 'filtered'), OPEN_FILTERED: (WARN, 'no-udp-answer')},
    'reachable': {OPEN: (PASS, 'open'), CLOSED: (PASS, 'reachable'), FILTERED: (FAIL, 'filtered'), OPEN_FILTERED: (WARN, 'no-udp-answer')},
    'closed': {OPEN: (FAIL, 'unexpectedly-open'), CLOSED: (PASS, 'not-reachable'), FILTERED: (PASS, 'not-reachable'),
               OPEN_FILTERED: (WARN, 'no-udp-answer')},
}


def _where(result):
    return '%s:%s/%s' % (result['host'], result['port'], result['proto'])


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


def judge(result, tls_min_days=30):
    """(status, reason, sentence) for one result against what its target expects."""
    if result['state'] == UNKNOWN:
        return ERROR, result['reason'], '%s could not be probed: %s' % (_where(result), result['detail'])
    status, reason = _VERDICT[result['expect']][result['state']]
    sentence = '%s %s' % (_where(result), result['detail'])
    if status == PASS and result['state'] == OPEN and result.get('tls'):
        status, reason, tls_sentence = _tls_verdict(result['tls'], tls_min_days)
        sentence += '; ' + tls_sentence
    return status, reason, sentence


def _remediation(status, reason, result):
    if status == PASS:
        return ''
    where = '%s %s to %s' % (result['proto'].upper(), result['port'], result['host'])
    if reason == 'filtered':
        return 'Allow %s on the Windows Firewall of the target and on every network firewall between; then start the service.' % where
    if reason == 'closed':
        return 'Nothing listens on %s: start the service, or correct the port.' % where
    if reason == 'unexpectedly-open':
        return 'Block %s from this host: the checklist keeps this port local.' % where
    if reason == 'no-udp-answer':
        return 'No answer on %s: start the service and allow the port; check the SNMP community if this is SNMP.' % where
    if reason.startswith('tls-'):
        return 'Replace the certificate on %s with one that is valid, not expiring soon and names %s.' % (where, result['host'])
    return ''


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
        findings.append(finding(entry_id, status, reason, detail, _remediation(status, reason, item),
                                observed=[{'target': _where(i), 'state': i['state'], 'reason': i['reason']} for i in items]))
    return findings
