# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Site and node scope, owners, the collapsed unreachable node and 'since the last run', on the real catalogue."""

from __future__ import annotations

import datetime
import json
import os
import xml.etree.ElementTree as ET

import jsonschema
import pytest

from ansible_collections.safeq.preflight.plugins.module_utils._findings import STATUSES, finding
from ansible_collections.safeq.preflight.plugins.plugin_utils import _catalogue
from ansible_collections.safeq.preflight.plugins.plugin_utils.report import _report, _report_diff, _report_html, _report_render, _report_view

TODAY = datetime.date(2026, 11, 24)
SCHEMA = os.path.join(os.path.dirname(_catalogue.DEFAULT_PATH), 'report.schema.json')
RUN = {'started': 's', 'finished': 'f', 'collection_version': '0.1.0', 'ansible_core_version': '2.19', 'check_mode': False,
       'inventory_hosts': ['cml1', 'cml2', 'cml3'], 'features': ['ldap_replication'], 'fail_on': 'fail'}
AUDIT_AT = '2026-11-24T10:00:00+00:00'


@pytest.fixture(scope='module')
def catalogue():
    return _catalogue.load()


def _ldap_ids(catalogue):
    return [e['id'] for e in catalogue.entries if e.get('implemented_by') == 'ldap_attribute_check']


def _results(catalogue, email='fail'):
    """cml1, cml2 reachable; cml3 unreachable; the directory audit ran once on the controller (site result)."""
    site_findings = [finding(i, 'pass', 'ok', 'fine') for i in _ldap_ids(catalogue) if i != 'ldap.email']
    site_findings.append(finding('ldap.email', email, 'missing-mail' if email != 'pass' else 'ok', '41 of 500 users have no mail', 'Fill mail.'))
    hosts = {
        'cml1': {'server_role': 'cml', 'reachable': True, 'message': '', 'ran': ['server_check'],
                 'findings': [finding('server.admin-rights', 'pass', 'elevated-admin', 'ok')]},
        'cml2': {'server_role': 'cml', 'reachable': True, 'message': '', 'ran': ['server_check'],
                 'findings': [finding('server.admin-rights', 'fail', 'not-admin', 'not admin', 'fix it')]},
        'cml3': {'server_role': 'cml', 'reachable': False, 'message': 'server_check: connection refused', 'ran': [], 'findings': []},
    }
    site = {'ran': ['ldap_attribute_check'], 'findings': site_findings,
            'measured': [{'module': 'ldap_attribute_check', 'from': 'controller', 'at': AUDIT_AT}]}
    return hosts, site


def _build(catalogue, waivers=(), email='fail', fail_on='fail'):
    hosts, site = _results(catalogue, email)
    return _report.build_report(hosts, catalogue, ['ldap_replication'], list(waivers), [], fail_on, RUN, TODAY, site_result=site)


def test_catalogue_scope_and_owner_are_explicit(catalogue):
    owners = set(catalogue.owners)
    assert {'windows-admin', 'network', 'dba', 'directory'} <= owners
    for entry in catalogue.entries:
        assert entry['scope'] in ('site', 'node') and entry['owner'] in owners, entry['id']
        defaults = catalogue.area_defaults[entry['area']]
        assert entry['scope'] == defaults['scope'] or 'scope' in catalogue_raw_entry(entry['id'])
    assert catalogue.get('server.external-db-accounts')['scope'] == 'site'
    assert catalogue.get('ldap.email')['owner'] == 'directory' and catalogue.get('net.other.tcp-636-cml-ldap')['scope'] == 'node'


def catalogue_raw_entry(entry_id):
    import yaml
    with open(_catalogue.DEFAULT_PATH, encoding='utf-8') as handle:
        return next(e for e in yaml.safe_load(handle)['entries'] if e['id'] == entry_id)


def test_catalogue_rejects_unknown_scope_and_owner(catalogue):
    import yaml
    with open(_catalogue.DEFAULT_PATH, encoding='utf-8') as handle:
        document = yaml.safe_load(handle)
    document['entries'][0]['owner'] = 'helpdesk'
    with pytest.raises(_catalogue.CatalogueError, match="owner 'helpdesk' is not one of"):
        _catalogue.validate(document)
    document['entries'][0].pop('owner')
    document['entries'][0]['scope'] = 'rack'
    with pytest.raises(_catalogue.CatalogueError, match="scope 'rack'"):
        _catalogue.validate(document)
    document['entries'][0].pop('scope')
    del document['area_defaults']['ldap']
    with pytest.raises(_catalogue.CatalogueError, match='area_defaults must name every area'):
        _catalogue.validate(document)


def test_a_site_problem_is_one_row_one_blocking_one_testcase(catalogue, tmp_path):
    report = _build(catalogue)
    with open(SCHEMA, encoding='utf-8') as handle:
        jsonschema.validate(report, json.load(handle))
    site = {row['id']: row for row in report['site']['entries']}
    assert (site['ldap.email']['status'], site['ldap.email']['owner']) == ('fail', 'directory')
    assert all('ldap.email' not in {r['id'] for r in host['entries']} for host in report['hosts'])
    blocking = [b for b in report['blocking'] if b['id'] == 'ldap.email']
    assert blocking == [{'scope': 'site', 'host': None, 'id': 'ldap.email', 'owner': 'directory', 'status': 'fail',
                         'reason': 'missing-mail', 'remediation': 'Fill mail.'}]
    # the unreachable node turns its own rows to error, never a site result
    assert {r['status'] for r in site.values() if r['applicable']} <= {'pass', 'fail', 'manual'}
    cml3 = next(h for h in report['hosts'] if h['name'] == 'cml3')
    assert {r['reason'] for r in cml3['entries'] if r['applicable']} == {'host-unreachable'}
    paths = _report_render.write_reports(report, str(tmp_path))
    cases = [c for c in ET.parse(paths['junit']).getroot().iter('testcase') if c.get('name').startswith('ldap.email:')]
    assert len(cases) == 1 and cases[0].find('failure') is not None
    assert report['site']['measured'][0]['at'] in open(paths['html'], encoding='utf-8').read()
    waived = _build(catalogue, waivers=[{'id': 'ldap.email', 'justification': 'HR fills mail next week'}])
    assert not [b for b in waived['blocking'] if b['id'] == 'ldap.email']
    assert sum(1 for r in waived['site']['entries'] if r.get('waiver')) == 1
    named = _build(catalogue, waivers=[{'id': 'ldap.email', 'hosts': ['site'], 'justification': 'HR'}])
    assert not [b for b in named['blocking'] if b['id'] == 'ldap.email']
    per_node = _build(catalogue, waivers=[{'id': 'ldap.email', 'hosts': ['cml1'], 'justification': 'HR'}])
    assert [b['id'] for b in per_node['blocking']].count('ldap.email') == 1, 'a waiver naming nodes does not waive a site entry'


def test_site_finding_copied_to_every_node_counts_once(catalogue):
    hosts, site = _results(catalogue)
    for name in ('cml1', 'cml2'):  # an older directory role recorded the audit for every CML node
        hosts[name]['findings'] += site['findings']
    report = _report.build_report(hosts, catalogue, ['ldap_replication'], [], [], 'fail', RUN, TODAY, site_result=site)
    assert [b['id'] for b in report['blocking']].count('ldap.email') == 1
    assert ' | ' not in {r['id']: r for r in report['site']['entries']}['ldap.email']['detail']


def test_findings_to_act_on_grouped_by_owner_with_the_unreachable_node_collapsed(catalogue):
    report = _build(catalogue)
    groups = _report_view.action_groups(report)
    owners = [owner for owner, dummy, dummy2 in groups]
    assert owners == [o for o in catalogue.owners if o in owners], 'in the catalogue order of owners'
    windows = dict((o, items) for o, dummy, items in groups)['windows-admin']
    collapsed = [i for i in windows if 'row' not in i]
    cml3_errors = report['summary']['by_host']['cml3']['error']
    assert collapsed == [{'host': 'cml3', 'count': cml3_errors, 'message': 'server_check: connection refused', 'status': 'error', 'waived': False}]
    assert windows[0] is collapsed[0]
    assert all(i['row']['owner'] == o for o, dummy, items in groups for i in items if 'row' in i)
    assert not any(i.get('host') == 'cml3' and 'row' in i for dummy, dummy2, items in groups for i in items)
    markdown = _report_render.render_markdown(report)
    assert markdown.count('connection refused') == 1 and 'cml3 unreachable: %d checks not run' % cml3_errors in markdown
    html = _report_render.render_html(report)
    findings = html[html.index('Findings to act on'):html.index('Since the last run')]
    assert findings.count('connection refused') == 1, 'the connection error once (the matrix keeps it as a tooltip per cell)'
    assert html.index('Windows administrators') < html.index('directory team')


def test_since_the_last_run(catalogue, tmp_path):
    first = _build(catalogue)
    _report_render.write_reports(first, str(tmp_path))
    second = _build(catalogue, email='pass')
    second['hosts'][1]['entries'] = [dict(r, status='pass', reason='ok') if r['id'] == 'server.admin-rights' else r
                                     for r in second['hosts'][1]['entries']]
    second['hosts'][0]['entries'] = [dict(r, status='fail', reason='x') if r['id'] == 'server.admin-rights' else r
                                     for r in second['hosts'][0]['entries']]
    previous, path = _report_diff.rotate(str(tmp_path), 'safeq-preflight')
    assert path.endswith('safeq-preflight.previous.json') and os.path.exists(path) and previous == first
    assert not os.path.exists(tmp_path / 'safeq-preflight.json')
    since = _report_diff.compare(previous, second, path)
    changes = {(c['host'], c['id']): c['change'] for c in since['changes']}
    assert changes[(None, 'ldap.email')] == 'fixed'
    assert changes[('cml2', 'server.admin-rights')] == 'fixed' and changes[('cml1', 'server.admin-rights')] == 'new'
    cml3_errors = second['summary']['by_host']['cml3']['error']
    assert since['counts']['cml3'] == {'fixed': 0, 'new': 0, 'unchanged': cml3_errors, 'not-evaluated': 0, 'first-evaluated': 0}
    assert since['counts']['site']['fixed'] == 1
    second['since_last_run'] = since
    with open(SCHEMA, encoding='utf-8') as handle:
        jsonschema.validate(second, json.load(handle))
    summary = _report_render.console_summary(second)
    assert 'site (once)' in summary and 'since last run: fixed 1, new 0' in summary
    assert 'fixed' in _report_render.render_html(second) and '**Fixed:**' in _report_render.render_markdown(second)


def test_a_1x_report_compares_its_per_host_site_rows_once(catalogue):
    current = _build(catalogue, email='pass')
    old = {'schema_version': '1.0', 'run': {'finished': 'f0'}, 'hosts': [
        {'name': name, 'entries': [{'id': 'ldap.email', 'status': 'fail'}]} for name in ('cml1', 'cml2')]}
    since = _report_diff.compare(old, current, 'p')
    assert [(c['host'], c['change']) for c in since['changes'] if c['id'] == 'ldap.email'] == [(None, 'fixed')]
    assert _report_diff.rotate('/nonexistent-dir-safeq', 'x')[0] is None


def _diff_report(site, hosts):
    return {'run': {'finished': 'f'}, 'site': {'entries': [{'id': i, 'status': st, 'reason': r} for i, st, r in site]},
            'hosts': [{'name': name, 'entries': [{'id': i, 'status': st, 'reason': r} for i, st, r in rows]} for name, rows in hosts.items()]}


def test_a_problem_not_evaluated_this_time_is_never_fixed_and_one_not_evaluated_before_is_never_new():
    """Ground truth: last run failed these entries; this run did not select one (--tags network), found another not
    applicable, left a port-table row not checked; and the reverse, problems now of entries not evaluated last time."""
    previous = _diff_report([('ldap.card-number', 'fail', 'x'), ('ldap.email', 'skip', 'not-selected')],
                            {'cml1': [('net.other.tcp-dynamic-cml-db', 'fail', 'filtered'), ('net.tcp-80', 'fail', 'filtered'),
                                      ('server.antivirus', 'warn', 'x'), ('server.admin-rights', 'fail', 'not-admin'),
                                      ('net.tcp-443', 'manual', 'not-checked'), ('server.web-browser', 'pass', 'ok')]})
    current = _diff_report([('ldap.card-number', 'skip', 'not-selected'), ('ldap.email', 'fail', 'missing-mail')],
                           {'cml1': [('net.other.tcp-dynamic-cml-db', 'skip', 'not-selected'), ('net.tcp-80', 'manual', 'not-checked'),
                                     ('server.antivirus', 'skip', 'not-applicable'), ('server.admin-rights', 'pass', 'elevated-admin'),
                                     ('net.tcp-443', 'fail', 'filtered'), ('server.web-browser', 'warn', 'x'), ('net.tcp-8080', 'fail', 'x')]})
    since = _report_diff.compare(previous, current, 'p.json')
    changes = {(c['host'], c['id']): c['change'] for c in since['changes']}
    assert changes == {(None, 'ldap.card-number'): 'not-evaluated', (None, 'ldap.email'): 'first-evaluated',
                       ('cml1', 'net.other.tcp-dynamic-cml-db'): 'not-evaluated', ('cml1', 'net.tcp-80'): 'not-evaluated',
                       ('cml1', 'server.antivirus'): 'not-evaluated', ('cml1', 'server.admin-rights'): 'fixed',
                       ('cml1', 'net.tcp-443'): 'first-evaluated', ('cml1', 'server.web-browser'): 'new',
                       ('cml1', 'net.tcp-8080'): 'first-evaluated'}
    assert since['counts']['cml1'] == {'fixed': 1, 'new': 1, 'unchanged': 0, 'not-evaluated': 3, 'first-evaluated': 2}
    current['since_last_run'] = since
    current['summary'] = {'verdict': 'blocked', 'blocking_count': 0, 'by_status': dict.fromkeys(STATUSES, 0),
                          'site': dict(dict.fromkeys(STATUSES, 0), worst='fail'), 'by_host': {'cml1': dict(dict.fromkeys(STATUSES, 0), worst='fail')}}
    current['blocking'] = []
    current['hosts'][0].update(reachable=True, message='')
    assert 'fixed 1, new 1, unchanged 0, not evaluated this time 3, first evaluated 2' in _report_render.console_summary(current)
    html = '\n'.join(_report_html._since(current))  # pylint: disable=protected-access
    assert '<th>Not evaluated this time</th>' in html and 'Not evaluated this time:</strong> site <code>ldap.card-number</code>' in html
    assert 'First evaluated:</strong> site <code>ldap.email</code>' in html
