# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Assembly of the one report of a run: every catalogue entry for every host. PRIVATE to this collection."""

from __future__ import annotations

import datetime

from ansible_collections.safeq.preflight.plugins.module_utils._findings import SEVERITY, STATUSES
from ansible_collections.safeq.preflight.plugins.plugin_utils import _catalogue, _policy

SCHEMA_VERSION = '1.0'


# Modules whose findings cover only the entries their targets name (a missing finding is not an error).
TARGET_DRIVEN = ('port_check',)


def _merge(findings):
    """One finding out of several for the same entry: the worst status, details joined."""
    ordered = sorted(findings, key=lambda item: SEVERITY[item['status']])
    merged = dict(ordered[0])
    if len(ordered) > 1:
        merged['detail'] = ' | '.join(item['detail'] for item in ordered if item.get('detail'))
    return merged


def _row(entry, host, applies, why, result, findings_by_id):
    row = {
        'id': entry['id'], 'title': entry['title'], 'area': entry['area'], 'kind': entry['kind'],
        'requirement': entry['requirement'], 'applicable': applies, 'status': None, 'reason': None, 'detail': '',
        'remediation': '', 'source': entry['source'], 'implemented_by': entry.get('implemented_by'),
        'waiver': None, 'waiver_expired': None, 'attestation': None, 'attestation_ignored': None,
    }
    module = entry.get('implemented_by')
    found = findings_by_id.get(entry['id'])
    if not applies:
        features = ', '.join(entry['applies_when'])
        row.update(status='skip', reason='not-applicable',
                   detail=('the site does not use %s' % features) if why == 'feature-not-used'
                   else 'not checked on a %s server' % result['server_role'].upper())
        if found:
            row['observed'] = _merge(found)['status']
    elif not result['reachable']:
        row.update(status='error', reason='host-unreachable', detail=result.get('message') or 'the host could not be reached',
                   remediation='Make the node reachable over WinRM and run the check again.')
    elif found:
        merged = _merge(found)
        row.update(status=merged['status'], reason=merged['reason'], detail=merged.get('detail', ''),
                   remediation=merged.get('remediation') or (entry['remediation'] if merged['status'] != 'pass' else ''))
        if 'observed' in merged:
            row['observed'] = merged['observed']
    elif entry['kind'] == 'manual':
        row.update(status='manual', reason='attestation-required', detail='Only a person can confirm this: attest it in safeq_attestations.',
                   remediation=entry['remediation'])
    elif not module:
        row.update(status='manual', reason='not-automated', detail='Not automated yet: verify by hand and attest it.',
                   remediation=entry['remediation'])
    elif module in (result.get('failed') or {}):
        row.update(status='error', reason='module-failed',
                   detail='%s failed on this host, so this entry could not be evaluated: %s' % (module, result['failed'][module]),
                   remediation='Correct what the message names and run the check again.')
    elif module in (result.get('not_run') or {}):
        row.update(status='error', reason='module-not-run',
                   detail='%s was expected to run on this host but did not (%s).' % (module, result['not_run'][module]),
                   remediation='Run the check for this host (do not skip its task) and run the report again.')
    elif module in TARGET_DRIVEN:
        row.update(status='manual', reason='not-checked',
                   detail='No %s target names this entry: add one to safeq_port_targets (entry: %s), or verify by hand and attest it.'
                   % (module, entry['id']), remediation=entry['remediation'])
    elif module in result.get('ran', ()):
        row.update(status='error', reason='no-result', detail='%s ran but returned no finding for this entry.' % module,
                   remediation=entry['remediation'])
    else:
        row.update(status='error', reason='module-not-run',
                   detail='%s did not run for this host in this run, so this entry was not evaluated.' % module,
                   remediation='Run the check for this host (the playbook safeq.preflight.preinstall_check runs every check).')
    return row


def _counts(rows):
    counts = dict.fromkeys(STATUSES, 0)
    for row in rows:
        counts[row['status']] += 1
    return counts


def build_report(host_results, catalogue, features, waivers, attestations, fail_on, run_meta, today=None):
    """The report dict (schema ``report.schema.json``) for all hosts and all catalogue entries."""
    today = today or datetime.date.today()
    hosts, blocking, all_rows = [], [], []
    by_host, by_area = {}, {}
    for host, result in host_results.items():
        findings_by_id = {}
        for item in result.get('findings') or []:
            findings_by_id.setdefault(item['id'], []).append(item)
        rows = []
        for entry in catalogue.entries:
            applies, why = _catalogue.applicability(entry, features, result['server_role'])
            row = _row(entry, host, applies, why, result, findings_by_id)
            _policy.apply_attestations(row, host, attestations)
            _policy.apply_waivers(row, host, waivers, today)
            if _policy.is_blocking(row, fail_on):
                blocking.append({'host': host, 'id': row['id'], 'status': row['status'], 'reason': row['reason'],
                                 'remediation': row['remediation']})
            rows.append(row)
            by_area.setdefault(row['area'], []).append(row)
        counts = _counts(rows)
        counts['worst'] = min((row['status'] for row in rows if row['applicable']), key=SEVERITY.get, default='skip')
        by_host[host] = counts
        hosts.append({'name': host, 'server_role': result['server_role'], 'reachable': bool(result['reachable']),
                      'message': result.get('message') or '', 'entries': rows})
        all_rows += rows
    summary = {
        'verdict': 'blocked' if blocking else 'passed',
        'blocking_count': len(blocking),
        'by_status': _counts(all_rows),
        'by_host': by_host,
        'by_area': {area: _counts(rows) for area, rows in sorted(by_area.items())},
        'entries_per_host': len(catalogue.entries),
    }
    return {'schema_version': SCHEMA_VERSION, 'run': dict(run_meta), 'summary': summary, 'blocking': blocking, 'hosts': hosts}
