# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Assembly of the one report of a run: every catalogue entry for every host. PRIVATE to this collection."""

from __future__ import annotations

import datetime

from ansible_collections.safeq.preflight.plugins.module_utils import _findings
from ansible_collections.safeq.preflight.plugins.module_utils._findings import SEVERITY
from ansible_collections.safeq.preflight.plugins.module_utils.ports import _firewall, _port_evaluate
from ansible_collections.safeq.preflight.plugins.plugin_utils import _catalogue, _policy, _selection
from ansible_collections.safeq.preflight.plugins.plugin_utils.report import _report_firewall

SCHEMA_VERSION = '2.1'
SITE_HOST = 'site'  # the host name waivers and attestations see for a site entry


# Modules whose findings cover only the entries their targets name (a missing finding is not an error).
TARGET_DRIVEN = ('port_check',)


def _merge(findings):
    """One finding out of several for the same entry: the worst status, details joined."""
    ordered = sorted(findings, key=lambda item: SEVERITY[item['status']])
    merged = dict(ordered[0])
    if len(ordered) > 1:
        merged['detail'] = ' | '.join(item['detail'] for item in ordered if item.get('detail'))
        # the probed flows stay with the row when a finding without them (the firewall advisory's warning) is the worst
        flows = [flow for item in ordered if isinstance(item.get('observed'), list) for flow in item['observed']]
        if flows and 'observed' not in merged:
            merged['observed'] = flows
    return merged


def _merge_row_findings(found):
    """(merged finding or None, advisory detail): ``_merge`` of the row's findings, where the Windows Firewall advisory's
    warnings (``_firewall.ADVISORY_REASONS``) outrank a pass (the path works now, the rule SafeQ needs is missing) but never
    turn an undecided (manual, skip) or missing probe verdict into a decided one: alone they decide nothing, and the row
    carries them in its detail."""
    advisory = [item for item in found or () if item.get('reason') in _firewall.ADVISORY_REASONS]
    probed = [item for item in found or () if item.get('reason') not in _firewall.ADVISORY_REASONS]
    if not advisory:
        return (_merge(found) if found else None), ''
    note = 'Windows Firewall advisory: %s' % ' | '.join(item['detail'] for item in advisory if item.get('detail'))
    if not probed:
        return None, note
    merged = _merge(probed)
    if merged['status'] in ('manual', 'skip'):
        merged['detail'] = ' | '.join(part for part in (merged.get('detail'), note) if part)
        return merged, ''
    return _merge(found), ''


def _row(entry, host, applies, why, result, findings_by_id):
    row = {
        'id': entry['id'], 'title': entry['title'], 'area': entry['area'], 'kind': entry['kind'],
        'requirement': entry['requirement'], 'applicable': applies, 'status': None, 'reason': None, 'detail': '',
        'remediation': '', 'source': entry['source'], 'implemented_by': entry.get('implemented_by'),
        'waiver': None, 'waiver_expired': None, 'attestation': None, 'attestation_ignored': None,
    }
    module = entry.get('implemented_by')
    found = findings_by_id.get(entry['id'])
    merged_found, advisory_note = _merge_row_findings(found)
    if found and merged_found is None:  # the advisory alone: the row is what it would be without it
        found = None
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
    elif found and module in (result.get('failed') or {}) and _merge(found)['status'] in ('pass', 'warn', 'skip'):
        row.update(status='error', reason='module-failed', remediation='Correct what the message names and run the check again.',
                   detail='%s failed on this host, so its %s for this entry cannot be trusted: %s'
                   % (module, _merge(found)['status'], result['failed'][module]))
    elif found:
        merged = merged_found
        row.update(status=merged['status'], reason=merged['reason'], detail=merged.get('detail', ''),
                   remediation=merged.get('remediation') or (entry['remediation'] if merged['status'] != 'pass' else ''))
        if 'observed' in merged:  # a port row's flows, grouped by outcome in port_check's findings, one by one in the report
            grouped = _port_evaluate.grouped(merged['observed'])  # by shape: a port_check target may name any module's row
            row['observed'] = _port_evaluate.flows(merged['observed']) if grouped else merged['observed']
        if merged.get('measured_from'):  # measured from another host than the node (sql_browser_probe from the controller)
            row['measured_from'] = merged['measured_from']
        if why == 'node-shows-feature':
            shown = ', '.join(_catalogue.node_shows(entry, found))
            row['detail'] = ('%s (The site did not declare %s in safeq_features, but this node shows it, so the entry applies: '
                             'declare it, or remove what the node shows.)' % (row['detail'], shown)).strip()
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
    elif module in TARGET_DRIVEN and module in result.get('ran', ()):
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
    if advisory_note and applies:
        row['detail'] = ' | '.join(part for part in (row['detail'], advisory_note) if part)
    return row


def _with_worst(rows):
    counts = _findings.counts(rows)
    counts['worst'] = min((row['status'] for row in rows if row['applicable']), key=SEVERITY.get, default='skip')
    return counts


def _findings_by_id(findings):
    by_id, seen = {}, set()
    for item in findings:
        key = (item['id'], item['status'], item.get('reason'), item.get('detail'))
        if key not in seen:  # a site fact copied to several hosts counts once
            seen.add(key)
            by_id.setdefault(item['id'], []).append(item)
    return by_id


def _site_row(entry, site, features, node_roles):
    """A site entry's row: evaluated once; it applies when any node's server role is in its roles."""
    roles = [role for role in node_roles if role in entry['roles']] or [entry['roles'][0]]
    applies, why = _catalogue.applicability(entry, features, roles[0])
    if node_roles and not any(role in entry['roles'] for role in node_roles):
        applies, why = False, 'role-not-in-scope'
    row = _row(entry, 'site', applies, why, dict(site, server_role=roles[0], reachable=True), site['findings_by_id'])
    if why == 'role-not-in-scope':
        row['detail'] = 'no %s server in this run' % '/'.join(role.upper() for role in entry['roles'])
    return row


def _blocking(row, host):
    return {'scope': row['scope'], 'host': host, 'id': row['id'], 'owner': row['owner'], 'status': row['status'],
            'reason': row['reason'], 'remediation': row['remediation']}


def build_report(host_results, catalogue, features, waivers, attestations, fail_on, run_meta, today=None, site_result=None,
                 selection=None):
    """The report dict (schema ``report.schema.json``): the site section once, then every node entry for every host.

    ``site_result`` has the shape of a host result (findings, ran) plus ``measured`` ([{module, from, at}]); site
    entries are evaluated from it and from any site-entry finding a node module returned, never per host.
    ``selection`` ({include, exclude, tags}, see ``_selection``) turns the entries a run did not select into skip / not-selected.
    """
    today = today or datetime.date.today()
    site_result = dict(site_result or {})
    site_entries = [entry for entry in catalogue.entries if entry['scope'] == 'site']
    node_entries = [entry for entry in catalogue.entries if entry['scope'] != 'site']
    site_ids = {entry['id'] for entry in site_entries}
    site_findings = list(site_result.get('findings') or [])
    for result in host_results.values():
        site_findings += [item for item in result.get('findings') or [] if item['id'] in site_ids]
    site_result['findings_by_id'] = _findings_by_id(site_findings)
    own_ran = set(site_result.get('ran') or ())
    site_result['ran'] = sorted(own_ran.union(*(r.get('ran') or () for r in host_results.values())))
    for key in ('failed', 'not_run'):  # a site module that failed (or did not run) where a node recorded it
        merged = dict(site_result.get(key) or {})
        for result in host_results.values():
            merged.update({module: why for module, why in (result.get(key) or {}).items() if module not in own_ran and module not in merged})
        site_result[key] = merged
    node_roles = sorted({result['server_role'] for result in host_results.values()})
    hosts, blocking, all_rows, by_host, by_area, by_owner = [], [], [], {}, {}, {}

    def _finish(row, host):
        _policy.apply_attestations(row, host, attestations)
        _policy.apply_waivers(row, host, waivers, today)
        if _policy.is_blocking(row, fail_on):
            blocking.append(_blocking(row, None if host == SITE_HOST else host))
        by_area.setdefault(row['area'], []).append(row)
        by_owner.setdefault(row['owner'], []).append(row)
        all_rows.append(row)
        return row

    site_rows = [_finish(_scoped(_site_row(entry, site_result, features, node_roles), entry, selection), SITE_HOST) for entry in site_entries]
    for host, result in host_results.items():
        findings_by_id = {}
        for item in result.get('findings') or []:
            findings_by_id.setdefault(item['id'], []).append(item)
        rows = []
        for entry in node_entries:
            applies, why = _catalogue.applicability(entry, features, result['server_role'], findings_by_id.get(entry['id']))
            rows.append(_finish(_scoped(_row(entry, host, applies, why, result, findings_by_id), entry, selection), host))
        by_host[host] = _with_worst(rows)
        hosts.append({'name': host, 'server_role': result['server_role'], 'reachable': None if result['reachable'] is None else bool(result['reachable']),
                      'message': result.get('message') or '', 'entries': rows,
                      'firewall_coverage': _report_firewall.section(result.get('firewall'), features, result['server_role'], catalogue)})
    summary = {
        'verdict': 'blocked' if blocking else 'passed',
        'blocking_count': len(blocking),
        'by_status': _findings.counts(all_rows),
        'site': _with_worst(site_rows),
        'by_host': by_host,
        'by_area': {area: _findings.counts(rows) for area, rows in sorted(by_area.items())},
        'by_owner': {owner: _findings.counts(rows) for owner, rows in sorted(by_owner.items())},
        'site_entries': len(site_entries),
        'entries_per_host': len(node_entries),
    }
    site = {'measured': list(site_result.get('measured') or []), 'entries': site_rows}
    return {'schema_version': SCHEMA_VERSION, 'run': dict(run_meta), 'summary': summary, 'blocking': blocking, 'site': site,
            'hosts': hosts, 'since_last_run': None}


def _scoped(row, entry, selection):
    """Add the entry's scope and owner; an entry the run did not select is skip / not-selected."""
    row.update(scope=entry['scope'], owner=entry['owner'])
    if selection is not None and not _selection.is_selected(entry, selection.get('include'), selection.get('exclude'), selection.get('tags')):
        row.update(status='skip', reason='not-selected', remediation='', detail='not selected in this run (tags or safeq_checks_include / '
                   'safeq_checks_exclude)')
        row.pop('observed', None)
    return row
