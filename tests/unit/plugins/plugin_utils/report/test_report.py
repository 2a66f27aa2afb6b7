# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Report assembly and rendering against the real catalogue and findings the test builds."""

from __future__ import annotations

import datetime
import json
import os
import xml.etree.ElementTree as ET

import jsonschema
import pytest

from ansible_collections.safeq.preflight.plugins.module_utils._findings import finding
from ansible_collections.safeq.preflight.plugins.plugin_utils import _catalogue
from ansible_collections.safeq.preflight.plugins.plugin_utils.report import _report, _report_flows, _report_render

TODAY = datetime.date(2026, 11, 24)
SCHEMA = os.path.join(os.path.dirname(_catalogue.DEFAULT_PATH), 'report.schema.json')
RUN = {'started': 's', 'finished': 'f', 'collection_version': '0.1.0', 'ansible_core_version': '2.19', 'check_mode': False,
       'inventory_hosts': ['cml1', 'cml2', 'cml3'], 'features': ['external_db'], 'fail_on': 'fail'}


def _results():
    return {
        'cml1': {'server_role': 'cml', 'reachable': True, 'message': '', 'ran': ['server_check'], 'findings': [
            finding('server.admin-rights', 'pass', 'elevated-admin', 'ok'),
            finding('server.web-browser', 'warn', 'only-internet-explorer', 'IE <script>alert(1)</script> & co'),
        ]},
        'cml2': {'server_role': 'cml', 'reachable': True, 'message': '', 'ran': ['server_check'], 'findings': [
            finding('server.admin-rights', 'fail', 'not-admin', 'not admin', 'fix it'),
            finding('server.admin-rights', 'pass', 'elevated-admin', 'second opinion'),
        ]},
        'cml3': {'server_role': 'cml', 'reachable': False, 'message': 'connection refused', 'ran': [], 'findings': []},
    }


@pytest.fixture(scope='module')
def catalogue():
    return _catalogue.load()


def _build(catalogue, waivers=(), attestations=(), fail_on='fail', features=('external_db',)):
    return _report.build_report(_results(), catalogue, list(features), list(waivers), list(attestations), fail_on, dict(RUN, fail_on=fail_on), TODAY)


def _rows(report, host):
    if host == 'site':
        return {row['id']: row for row in report['site']['entries']}
    return {row['id']: row for h in report['hosts'] if h['name'] == host for row in h['entries']}


def _node_entries(catalogue):
    return [entry for entry in catalogue.entries if entry['scope'] == 'node']


def test_every_entry_for_every_host_and_schema(catalogue):
    report = _build(catalogue)
    with open(SCHEMA, encoding='utf-8') as handle:
        jsonschema.validate(report, json.load(handle))
    nodes = len(_node_entries(catalogue))
    assert all(len(h['entries']) == nodes for h in report['hosts'])
    assert report['summary']['entries_per_host'] == nodes
    assert len(report['site']['entries']) == report['summary']['site_entries'] == len(catalogue) - nodes > 0
    total = sum(report['summary']['by_status'].values())
    assert total == 3 * nodes + len(catalogue) - nodes


def test_row_statuses(catalogue):
    report = _build(catalogue)
    cml1, cml2, cml3 = _rows(report, 'cml1'), _rows(report, 'cml2'), _rows(report, 'cml3')
    assert cml1['server.admin-rights']['status'] == 'pass'
    assert cml2['server.admin-rights']['status'] == 'fail' and 'second opinion' in cml2['server.admin-rights']['detail']
    assert (cml1['server.supported-platform']['status'], cml1['server.supported-platform']['reason']) == ('error', 'no-result')
    # windows_feature_check left no result on the reachable cml1: its entries could not be evaluated
    assert (cml1['server.no-web-server-port-80']['status'], cml1['server.no-web-server-port-80']['reason']) == ('error', 'module-not-run')
    site = _rows(report, 'site')
    assert (site['server.external-db-accounts']['status'], site['server.external-db-accounts']['reason']) == ('manual', 'attestation-required')
    assert 'server.external-db-accounts' not in cml1
    assert (cml1['net.ws-in.tcp-9100-client']['status'], cml1['net.ws-in.tcp-9100-client']['reason']) == ('skip', 'not-applicable')
    assert cml1['net.ws-in.tcp-2382-2383']['detail'] == 'not checked on a CML server'
    applicable3 = [r for r in cml3.values() if r['applicable']]
    assert {r['status'] for r in applicable3} == {'error'} and {r['reason'] for r in applicable3} == {'host-unreachable'}
    assert not [r for r in cml1.values() if r['status'] == 'pass' and not r['implemented_by']]


def test_blocking_and_waivers(catalogue):
    report = _build(catalogue)
    assert report['summary']['verdict'] == 'blocked'
    blocking = {(b['host'], b['id']) for b in report['blocking']}
    assert ('cml2', 'server.admin-rights') in blocking and ('cml1', 'server.web-browser') not in blocking
    waived = _build(catalogue, waivers=[{'id': '*', 'hosts': ['cml3'], 'justification': 'decommissioned'},
                                        {'id': 'server.*', 'hosts': 'all', 'justification': 'rebuilt'},
                                        {'id': 'net.*', 'hosts': 'all', 'justification': 'the flows are probed in CHG-1'}])
    assert waived['summary']['verdict'] == 'passed' and waived['blocking'] == []
    assert _rows(waived, 'cml2')['server.admin-rights']['status'] == 'fail'
    warn = _build(catalogue, fail_on='warn')
    assert ('cml1', 'server.web-browser') in {(b['host'], b['id']) for b in warn['blocking']}
    assert _build(catalogue, fail_on='never')['summary']['verdict'] == 'passed'


def test_attestation_of_a_manual_entry(catalogue):
    report = _build(catalogue, attestations=[{'id': 'server.external-db-accounts', 'by': 'DBA', 'date': '2026-11-20', 'note': 'done'}])
    row = _rows(report, 'site')['server.external-db-accounts']
    assert (row['status'], row['reason'], row['attestation']['by']) == ('pass', 'attested', 'DBA')


def test_renderers_agree_with_the_json(catalogue, tmp_path):
    report = _build(catalogue)
    paths = _report_render.write_reports(report, str(tmp_path / 'out'))
    assert sorted(paths) == ['change_csv', 'change_md', 'html', 'json', 'junit', 'markdown']  # change request: _report_flows
    assert json.loads(open(paths['json'], encoding='utf-8').read()) == report
    root = ET.parse(paths['junit']).getroot()
    suites = {s.get('name'): s for s in root.iter('testsuite')}
    for host in ('cml1', 'cml2', 'cml3'):
        counts = report['summary']['by_host'][host]
        suite = suites[host]
        assert int(suite.get('tests')) == len(_node_entries(catalogue))
        assert int(suite.get('failures')) == counts['fail']
        assert int(suite.get('errors')) == counts['error']
        assert int(suite.get('skipped')) == counts['skip'] + counts['manual']
    junitparser = pytest.importorskip('junitparser')
    parsed = junitparser.JUnitXml.fromfile(paths['junit'])
    assert sum(suite.tests for suite in parsed) == 3 * len(_node_entries(catalogue)) + len(report['site']['entries'])
    assert int(suites['site'].get('tests')) == len(report['site']['entries'])
    html = open(paths['html'], encoding='utf-8').read()
    assert '<script>' not in html and '&lt;script&gt;alert(1)&lt;/script&gt; &amp; co' in html
    assert 'http://' not in html and 'https://' not in html and 'src=' not in html
    assert html.index('not-admin') < html.index('only-internet-explorer'), 'failing entries come before warnings'
    markdown = open(paths['markdown'], encoding='utf-8').read()
    assert '**Verdict: BLOCKED**' in markdown and '`server.admin-rights`' in markdown
    summary = _report_render.console_summary(report)
    assert 'BLOCKED' in summary and 'cml3' in summary and 'UNREACHABLE' in summary
    assert summary.count('connection refused') == 1, 'the connection error once, on the collapsed blocking line'
    assert 'cml3 unreachable: %d checks not run' % report['summary']['by_host']['cml3']['error'] in summary


def test_unwritable_directory_raises_oserror(catalogue, tmp_path):
    blocker = tmp_path / 'file'
    blocker.write_text('x')
    with pytest.raises(OSError):
        _report_render.write_reports(_build(catalogue), str(blocker / 'reports'))


def test_port_check_evidences_only_the_rows_its_targets_name(catalogue):
    results = _results()
    results['cml1']['ran'].append('port_check')
    results['cml1']['findings'].append(finding('net.other.tcp-636-cml-ldap', 'fail', 'filtered', 'dc01:636/tcp filtered (no-response)'))
    report = _report.build_report(results, catalogue, ['ldap_replication', 'smtp_delivery'], [], [], 'fail', RUN, TODAY)
    cml1 = _rows(report, 'cml1')
    assert (cml1['net.other.tcp-636-cml-ldap']['status'], cml1['net.other.tcp-636-cml-ldap']['reason']) == ('fail', 'filtered')
    unnamed = cml1['net.other.tcp-25-smtp']
    assert (unnamed['status'], unnamed['reason']) == ('manual', 'not-checked'), 'a row no target named is not an error'
    assert 'safeq_port_targets' in unnamed['detail']


def _entries_of(catalogue, module, features):
    return [e['id'] for e in catalogue.entries
            if e.get('implemented_by') == module and _catalogue.applicability(e, features, 'cml')[0]]


@pytest.mark.parametrize('module', ['server_check', 'windows_feature_check', 'sql_browser_probe', 'ldap_attribute_check', 'port_check'])
def test_a_failed_module_makes_every_entry_it_implements_an_error_that_blocks(catalogue, module):
    """A module that failed on a bad option returns no finding: its entries are errors, never manual, and they block."""
    features = ['external_db', 'ldap_replication', 'smtp_delivery']
    results = {'cml1': {'server_role': 'cml', 'reachable': True, 'message': '', 'ran': [], 'not_run': {},
                        'failed': {module: "Invalid value for option 'x': 70000"}, 'findings': []}}
    report = _report.build_report(results, catalogue, features, [], [], 'fail', RUN, TODAY)
    rows = dict(_rows(report, 'cml1'), **_rows(report, 'site'))
    ids = _entries_of(catalogue, module, features)
    assert ids, module
    for entry_id in ids:
        assert (rows[entry_id]['status'], rows[entry_id]['reason']) == ('error', 'module-failed'), entry_id
        assert module in rows[entry_id]['detail'] and '70000' in rows[entry_id]['detail']
    assert report['summary']['verdict'] == 'blocked'
    mandatory = {entry_id for entry_id in ids if rows[entry_id]['requirement'] == 'mandatory'}
    assert mandatory and mandatory <= {b['id'] for b in report['blocking']}


def test_a_failed_module_keeps_the_findings_it_did_return(catalogue):
    results = {'cml1': {'server_role': 'cml', 'reachable': True, 'message': '', 'ran': [], 'not_run': {},
                        'failed': {'server_check': 'probe failed'},
                        'findings': [finding('server.admin-rights', 'error', 'probe-failed', 'access denied')]}}
    rows = _rows(_report.build_report(results, catalogue, [], [], [], 'fail', RUN, TODAY), 'cml1')
    assert (rows['server.admin-rights']['status'], rows['server.admin-rights']['reason']) == ('error', 'probe-failed')
    assert (rows['server.antivirus']['status'], rows['server.antivirus']['reason']) == ('error', 'module-failed')


def test_a_skipped_module_on_a_reachable_host_is_an_error_not_manual(catalogue):
    results = {'cml1': {'server_role': 'cml', 'reachable': True, 'message': '', 'ran': ['server_check'], 'failed': {},
                        'not_run': {'windows_feature_check': 'Conditional result was False'},
                        'findings': [finding(entry_id, 'pass', 'ok', 'ok') for entry_id in _entries_of(catalogue, 'server_check', [])]}}
    report = _report.build_report(results, catalogue, [], [], [], 'fail', RUN, TODAY)
    row = _rows(report, 'cml1')['server.no-web-server-port-80']
    assert (row['status'], row['reason']) == ('error', 'module-not-run') and 'Conditional result was False' in row['detail']
    assert report['summary']['verdict'] == 'blocked'


def test_a_failed_module_cannot_keep_a_pass(catalogue):
    results = {'cml1': {'server_role': 'cml', 'reachable': True, 'message': '', 'ran': [], 'not_run': {},
                        'failed': {'server_check': 'the gather broke half-way'},
                        'findings': [finding('server.admin-rights', 'pass', 'elevated-admin', 'ok')]}}
    row = _rows(_report.build_report(results, catalogue, [], [], [], 'fail', RUN, TODAY), 'cml1')['server.admin-rights']
    assert (row['status'], row['reason']) == ('error', 'module-failed') and 'the gather broke half-way' in row['detail']


def test_port_rows_are_not_checked_only_when_port_check_ran(catalogue):
    base = {'server_role': 'cml', 'reachable': True, 'message': '', 'failed': {}, 'not_run': {}, 'findings': []}
    features = ['smtp_delivery']
    ran = _rows(_report.build_report({'cml1': dict(base, ran=['port_check'])}, catalogue, features, [], [], 'fail', RUN, TODAY), 'cml1')
    never = _rows(_report.build_report({'cml1': dict(base, ran=[])}, catalogue, features, [], [], 'fail', RUN, TODAY), 'cml1')
    assert (ran['net.other.tcp-25-smtp']['status'], ran['net.other.tcp-25-smtp']['reason']) == ('manual', 'not-checked')
    assert (never['net.other.tcp-25-smtp']['status'], never['net.other.tcp-25-smtp']['reason']) == ('error', 'module-not-run')


def test_a_recommended_entry_that_could_not_be_evaluated_blocks_under_fail_on_fail(catalogue):
    """error = could not evaluate: an applicable recommended entry in error is never left out of the verdict."""
    results = _results()
    results['cml1']['findings'].append(finding('server.antivirus', 'error', 'probe-error', 'the antivirus query failed'))
    assert [e['requirement'] for e in catalogue.entries if e['id'] == 'server.antivirus'] == ['recommended']
    report = _report.build_report(results, catalogue, ['external_db'], [], [], 'fail', RUN, TODAY)
    assert _rows(report, 'cml1')['server.antivirus']['status'] == 'error'
    assert ('cml1', 'server.antivirus', 'error') in {(b['host'], b['id'], b['status']) for b in report['blocking']}
    assert report['summary']['verdict'] == 'blocked'
    waived = _report.build_report(results, catalogue, ['external_db'], [{'id': 'server.antivirus', 'justification': 'AV team'}], [],
                                  'fail', RUN, TODAY)
    assert ('cml1', 'server.antivirus') not in {(b['host'], b['id']) for b in waived['blocking']}
    assert _rows(waived, 'cml1')['server.antivirus']['status'] == 'error', 'a waived error stays an error'


def test_a_node_showing_the_print_server_role_makes_the_lpd_row_apply(catalogue):
    """Ground truth: the site did not declare print_server_role; the node has Print-Server and the LPD Service installed."""
    from ansible_collections.safeq.preflight.plugins.plugin_utils.windows import _feature_eval
    facts = {'features': [{'name': 'Print-Server', 'install_state': 'Installed', 'source': 'ServerManager'},
                          {'name': 'Print-LPD-Service', 'install_state': 'Installed', 'source': 'ServerManager'}],
             'services': [], 'listeners': [], 'errors': {}}
    lpd = _feature_eval.no_lpd_with_print_server(facts)
    results = {'cml1': {'server_role': 'cml', 'reachable': True, 'message': '', 'ran': ['windows_feature_check'], 'findings': [lpd]}}
    report = _report.build_report(results, catalogue, [], [], [], 'fail', dict(RUN, features=[]), TODAY)
    row = _rows(report, 'cml1')['server.no-lpd-with-print-server']
    assert (row['applicable'], row['status'], row['reason']) == (True, 'fail', 'lpd-installed')
    assert 'did not declare print_server_role' in row['detail'] and report['summary']['verdict'] == 'blocked'
    # without the role on the node the undeclared row stays not applicable, its finding kept under observed only
    facts['features'] = facts['features'][1:]
    results['cml1']['findings'] = [_feature_eval.no_lpd_with_print_server(facts)]
    row = _rows(_report.build_report(results, catalogue, [], [], [], 'fail', dict(RUN, features=[]), TODAY), 'cml1')['server.no-lpd-with-print-server']
    assert (row['applicable'], row['status'], row['observed']) == (False, 'skip', 'fail')
    # other not-applicable rows stay quiet: an entry without node_can_apply ignores node_shows
    other = dict(lpd, id='server.external-db-accounts')
    assert _catalogue.applicability(catalogue.get('server.external-db-accounts'), [], 'cml', [other])[0] is False


@pytest.mark.parametrize('entry', ['net.cluster.tcp-4111', 'net.other.udp-1434-cml-db'])
def test_a_port_rows_grouped_flows_are_listed_one_by_one_in_the_report(catalogue, entry):
    """Also for a port row another module implements (sql_browser_probe's UDP 1434): a port_check target may name any row, and
    its flows must reach the flow matrix and the firewall change request."""
    results = _results()
    results['cml1']['ran'].append('port_check')
    grouped = [{'source': 'cml1', 'state': 'filtered', 'reason': 'no-response', 'listener': True, 'verdict': 'fail',
                'targets': ['10.0.0.12:4111/tcp', '10.0.0.13:4111/tcp'], 'addresses': ['10.0.0.12', '10.0.0.13']}]
    results['cml1']['findings'].append(finding(entry, 'fail', 'filtered', 'x', observed=grouped))
    report = _report.build_report(results, catalogue, ['cluster', 'external_db'], [], [], 'fail', RUN, TODAY)
    row = _rows(report, 'cml1')[entry]
    assert row['observed'] == [
        {'source': 'cml1', 'target': '10.0.0.12:4111/tcp', 'address': '10.0.0.12', 'state': 'filtered', 'reason': 'no-response',
         'listener': True, 'verdict': 'fail'},
        {'source': 'cml1', 'target': '10.0.0.13:4111/tcp', 'address': '10.0.0.13', 'state': 'filtered', 'reason': 'no-response',
         'listener': True, 'verdict': 'fail'}]
    assert [(r['action'], r['destination'], r['port']) for r in _report_flows.change_request(report) if r['catalogue_row'] == entry] == [
        ('allow', '10.0.0.12', 4111), ('allow', '10.0.0.13', 4111)]
