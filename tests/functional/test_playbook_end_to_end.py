# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""End to end: ansible-playbook runs playbooks/preinstall_check.yml against simulated WinRM nodes (selection included).

Ground truth: the host profiles in tests/lab/demo/nodes (cml1 prepared, cml2 misconfigured,
cml3 switched off). The simulation proves transport, Ansible's PowerShell module protocol (the gather
modules travel through the exec wrapper of the ansible-core under test), parsing and evaluation, not PowerShell.
"""

from __future__ import annotations

import glob
import json
import os
import xml.etree.ElementTree as ET

import pytest
import yaml

from ansible_collections.safeq.preflight.plugins.plugin_utils import _catalogue
from tests.lab import lab
from tests.lab.sql_responder import SqlBrowserResponder
from tests.lab.winrm_sim import SimulatedNodes

NODES = sorted(glob.glob(os.path.join(lab.REPO_ROOT, 'tests', 'lab', 'demo', 'nodes', '*.yml')))
SERVER_IDS = ('server.admin-rights', 'server.supported-platform', 'server.web-browser', 'server.security-patches',
              'server.hardware-minimum', 'server.ip-addresses-prepared', 'server.antivirus', 'server.no-web-server-port-80',
              'server.no-interfering-software', 'server.no-other-software')


@pytest.fixture(scope='module')
def nodes():
    sim = SimulatedNodes(NODES)
    sim.start()
    try:
        yield sim
    finally:
        sim.stop()


def _run(nodes, tmp_path, extra_vars=None, args=(), host_vars=None):
    all_vars = {'safeq_features': ['print_server_role'], 'safeq_report_dir': str(tmp_path / 'reports')}
    all_vars.update(extra_vars or {})
    hosts = nodes.inventory()['all']['children']['safeq_nodes']['hosts']
    for name, extra in (host_vars or {}).items():
        hosts[name].update(extra)
    inventory = lab.write_inventory(str(tmp_path / 'inventory.yml'), hosts, all_vars)
    proc = lab.run_playbook(str(tmp_path), inventory, args=list(args))
    report = None
    path = tmp_path / 'reports' / 'safeq-preflight.json'
    if path.exists():
        report = json.loads(path.read_text())
    return proc, report


def _rows(report, host):
    entries = next(h for h in report['hosts'] if h['name'] == host)['entries']
    return {row['id']: row for row in entries}


def test_full_run_reports_every_entry_for_every_host(nodes, tmp_path):
    before = {name: len(nodes.commands(name)) for name in ('cml1', 'cml2')}
    proc, report = _run(nodes, tmp_path)
    assert proc.returncode != 0, proc.stdout[-3000:]
    assert 'blocked' in proc.stdout.lower()
    assert report is not None, proc.stdout[-3000:]
    hosts = {h['name']: h for h in report['hosts']}
    assert set(hosts) == {'cml1', 'cml2', 'cml3'}
    count = len([entry for entry in _catalogue.load().entries if entry['scope'] == 'node'])
    assert all(len(h['entries']) == count for h in hosts.values())
    assert len(report['site']['entries']) == report['summary']['site_entries'] == len(_catalogue.load()) - count

    cml1, cml2, cml3 = _rows(report, 'cml1'), _rows(report, 'cml2'), _rows(report, 'cml3')
    assert {i: cml1[i]['status'] for i in SERVER_IDS} == dict.fromkeys(SERVER_IDS, 'pass')
    assert cml2['server.admin-rights']['status'] == 'fail' and cml2['server.admin-rights']['reason'] == 'not-elevated'
    assert cml2['server.no-web-server-port-80']['status'] == 'fail'
    assert cml2['server.no-lpd-with-print-server']['status'] == 'fail'
    assert cml2['server.hardware-minimum']['status'] == 'fail'
    assert (cml2['server.supported-platform']['status'], cml2['server.supported-platform']['reason']) == ('warn', 'evaluation-edition')
    conflicts = cml2['server.no-interfering-software']['detail']
    assert 'TCP 443' in conflicts and 'http.sys' in conflicts and 'tomcat9 (pid 3380; services Tomcat9)' in conflicts, conflicts
    assert 'TCP 9000 (net.ws-in.tcp-9000) is inside an excluded port range of Windows (ipv4 TCP 8998-9097)' in conflicts, conflicts
    # the clock advisory joins the hardware entry: cml2 runs 7 minutes slow, cml1 is in sync (its row stays a pass)
    assert 'clock is at least' in cml2['server.hardware-minimum']['detail'] and 'behind' in cml2['server.hardware-minimum']['detail']
    assert 'clock is within 60 s' in cml1['server.hardware-minimum']['detail']
    assert 'CurrentRebootAttempts' in cml2['server.security-patches']['detail']
    # the switched-off node: applicable entries are errors, never pass or skip
    assert hosts['cml3']['reachable'] is False
    applicable = [row for row in cml3.values() if row['applicable']]
    assert applicable and {row['status'] for row in applicable} == {'error'}
    # nothing that no check evaluated is shown as pass
    for row in cml1.values():
        if row['status'] == 'pass':
            assert row['implemented_by'] or row.get('attestation'), row['id']
    # an entry of a feature the site does not use is skipped
    assert cml1['net.other.udp-1434-cml-db']['status'] == 'skip'
    # one WinRM command (one exec wrapper run of a gather module) per check module per reachable node
    runs = {name: [entry['module'] for entry in nodes.commands(name)[before[name]:]] for name in before}
    assert runs == {'cml1': ['win_server_facts', 'win_feature_facts'], 'cml2': ['win_server_facts', 'win_feature_facts']}

    junit = ET.parse(str(tmp_path / 'reports' / 'safeq-preflight.junit.xml')).getroot()
    suites = {s.get('name'): s for s in junit.iter('testsuite')}
    assert int(suites['cml3'].get('errors')) == len(applicable)
    assert (tmp_path / 'reports' / 'safeq-preflight.html').read_text().count('<html') == 1


def test_check_mode_runs_the_same_checks_and_changes_nothing(nodes, tmp_path):
    before = {name: len(nodes.commands(name)) for name in ('cml1', 'cml2')}
    proc, report = _run(nodes, tmp_path, args=['--check'])
    assert report['run']['check_mode'] is True
    runs = [entry for name in before for entry in nodes.commands(name)[before[name]:]]
    assert len(runs) == 4 and all(entry['check_mode'] and not entry.get('skipped') for entry in runs), 'the modules ran under --check'
    assert _rows(report, 'cml2')['server.admin-rights']['status'] == 'fail'
    blocks = proc.stdout.split('TASK [')
    for title in ('safeq.preflight.windows_node : Check the server', 'safeq.preflight.windows_node : Check Windows features'):
        block = next(b for b in blocks if b.startswith(title))
        assert 'ok: [cml1]' in block and 'ok: [cml2]' in block and 'skipping: [cml1]' not in block, block
    recap = [line for line in proc.stdout.splitlines() if line.startswith(('cml1 ', 'cml2 '))]
    assert recap and all('changed=0' in line for line in recap)


def test_full_run_with_become_runas_gives_the_same_report(nodes, tmp_path):
    """become (runas) as the connection account itself, the remote-UAC set-up: every gather module carries Ansible's
    become wrapper (the simulation logs the become user) and the verdicts do not change."""
    become = {name: {'ansible_become': True, 'ansible_become_method': 'runas', 'ansible_become_user': 'LAB\\safeq-install',
                     'ansible_become_password': '{{ ansible_password }}'} for name in ('cml1', 'cml2')}
    before = {name: len(nodes.commands(name)) for name in become}
    (tmp_path / 'become').mkdir()
    (tmp_path / 'plain').mkdir()
    proc, report = _run(nodes, tmp_path / 'become', host_vars=become)
    plain_proc, plain = _run(nodes, tmp_path / 'plain')
    assert report is not None and plain is not None, proc.stdout[-3000:]
    runs = [entry for name in become for entry in nodes.commands(name)[before[name]:]]
    with_become = [entry for entry in runs if entry['become_user']]
    assert len(with_become) == 4 and all(e['become_user'] == 'LAB\\safeq-install' and e['rc'] == 0 for e in with_become), runs
    for host in ('cml1', 'cml2', 'cml3'):
        assert {i: r['status'] for i, r in _rows(report, host).items()} == {i: r['status'] for i, r in _rows(plain, host).items()}
    assert 'Demo-Passw0rd' not in proc.stdout + proc.stderr


def test_waivers_for_the_unhealthy_nodes_make_the_run_pass(nodes, tmp_path):
    with open(os.path.join(lab.REPO_ROOT, 'tests', 'lab', 'demo', 'waivers.yml'), encoding='utf-8') as handle:
        waivers = yaml.safe_load(handle)
    proc, report = _run(nodes, tmp_path, waivers)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert report['summary']['verdict'] == 'passed'
    row = _rows(report, 'cml2')['server.admin-rights']
    assert row['status'] == 'fail' and row['waiver']['justification'].startswith('Node is rebuilt')


@pytest.mark.parametrize('extra, message', [
    ({'safeq_features': ['clustr']}, "safeq_features: unknown feature 'clustr' (did you mean 'cluster'?)"),
    ({'safeq_waivers': [{'id': 'server.admin-rights', 'hosts': ['cml2']}]}, 'justification'),
    ({'safeq_waivers': [{'id': 'server.nope', 'justification': 'x'}]}, 'server.nope'),
    ({'safeq_attestations': [{'id': 'server.external-db-accounts', 'by': 'dba', 'date': '2026-13-01'}]}, '2026-13-01'),
    ({'safeq_report_dir': '/proc/safeq-reports'}, "safeq_report_dir: '/proc/safeq-reports'"),
])
def test_bad_input_stops_before_any_host_is_contacted(nodes, tmp_path, extra, message):
    before = {name: len(nodes.commands(name)) for name in ('cml1', 'cml2')}
    proc, dummy = _run(nodes, tmp_path, extra)
    assert proc.returncode != 0
    assert message in proc.stdout, proc.stdout[-3000:]
    assert 'Traceback' not in proc.stdout + proc.stderr
    assert {name: len(nodes.commands(name)) for name in before} == before


def test_winrm_password_never_appears_in_verbose_output_or_reports(nodes, tmp_path):
    proc, dummy = _run(nodes, tmp_path, args=['-vvvv'])
    secrets = ['Demo-Passw0rd-cml1', 'Demo-Passw0rd-cml2']
    output = proc.stdout + proc.stderr
    for secret in secrets:
        assert secret not in output
        for path in (tmp_path / 'reports').iterdir():
            assert secret not in path.read_text()


def test_external_database_rows_from_every_node(nodes, tmp_path):
    with open(os.path.join(lab.REPO_ROOT, 'tests', 'lab', 'demo', 'sql.yml'), encoding='utf-8') as handle:
        sql = yaml.safe_load(handle)
    before = {name: len(nodes.commands(name)) for name in ('cml1', 'cml2')}
    with SqlBrowserResponder('127.0.0.20', 1434, sql['instances']):
        proc, report = _run(nodes, tmp_path, {'safeq_features': ['external_db'], 'safeq_db_host': '127.0.0.20', 'safeq_db_instance': 'safeq'})
    assert report is not None, proc.stdout[-3000:]
    # one WinRM command per module run: the two gathers, then ONE win_port_probe run for the Browser and the TDS exchange
    # (the node takes the TDS port from the Browser's answer; before #9's merge this took two win_socket_probe runs)
    runs = {name: [entry['module'] for entry in nodes.commands(name)[before[name]:]] for name in before}
    assert runs == {'cml1': ['win_server_facts', 'win_feature_facts', 'win_port_probe'],
                    'cml2': ['win_server_facts', 'win_feature_facts', 'win_port_probe']}, runs
    tds = next(p for p in nodes.commands('cml1')[-1]['params']['probes'] if p['id'] == 'tds')
    assert tds['framing'] == 'tds' and tds['port_from']['probes'] == ['browser', 'browser-retry']
    cml1, cml2, cml3 = _rows(report, 'cml1'), _rows(report, 'cml2'), _rows(report, 'cml3')
    assert [cml1[i]['status'] for i in ('net.other.udp-1434-cml-db', 'net.other.tcp-dynamic-cml-db')] == ['pass', 'pass']
    assert 'SQL Server 2019' in cml1['net.other.tcp-dynamic-cml-db']['detail']
    # cml2's profile drops UDP 1434 on the way (a firewall): silent, and the TCP row cannot be evaluated
    assert (cml2['net.other.udp-1434-cml-db']['status'], cml2['net.other.udp-1434-cml-db']['reason']) == ('fail', 'browser-silent')
    assert cml2['net.other.tcp-dynamic-cml-db']['status'] == 'error'
    assert cml3['net.other.udp-1434-cml-db']['status'] == 'error'


def test_external_database_without_a_host_is_refused_before_contacting_nodes(nodes, tmp_path):
    proc, dummy = _run(nodes, tmp_path, {'safeq_features': ['external_db']})
    assert "safeq_db_host: not set for host cml1, but safeq_features contains 'external_db'" in proc.stdout


# --- Selection: area tags, safeq_checks_include / _exclude, bad patterns (ground truth: the simulator's request log).

def _run_counting(nodes, tmp_path, extra_vars=None, args=()):
    before = {name: len(nodes.commands(name)) for name in ('cml1', 'cml2')}
    proc, report = _run(nodes, tmp_path, extra_vars, args)
    return proc, report, {name: len(nodes.commands(name)) - before[name] for name in before}


def test_tag_server_runs_the_server_checks_only(nodes, tmp_path):
    proc, report, sent = _run_counting(nodes, tmp_path, args=['--tags', 'server'])
    assert report is not None, proc.stdout[-3000:]
    assert report['run']['selection']['tags'] == ['server']
    assert sent == {'cml1': 2, 'cml2': 2}, 'server_check and windows_feature_check on each reachable node'
    cml1, cml2 = _rows(report, 'cml1'), _rows(report, 'cml2')
    assert cml1['server.admin-rights']['status'] == 'pass' and cml2['server.admin-rights']['status'] == 'fail'
    catalogue = _catalogue.load()
    others = [e['id'] for e in catalogue.entries if e['area'] != 'server' and e['scope'] == 'node']
    assert others and {(cml1[i]['status'], cml1[i]['reason']) for i in others} == {('skip', 'not-selected')}
    assert {(r['status'], r['reason']) for r in report['site']['entries'] if r['area'] != 'server'} == {('skip', 'not-selected')}
    assert not [b for b in report['blocking'] if catalogue.get(b['id'])['area'] != 'server']


def test_the_nodes_group_set_in_the_inventory_passes_both_validations(nodes, tmp_path):
    """safeq_nodes_group in group_vars/all (as docs/input-validation.md advises) reaches every node's variables: the node
    play's second validation must not take it for a node that differs from the run."""
    proc, report, sent = _run_counting(nodes, tmp_path, {'safeq_nodes_group': 'safeq_nodes'}, args=['--tags', 'server'])
    assert report is not None, proc.stdout[-3000:]
    assert 'differently from the run' not in proc.stdout
    assert sent == {'cml1': 2, 'cml2': 2}


def test_include_and_exclude_by_id(nodes, tmp_path):
    selection = {'safeq_checks_include': ['server.*'], 'safeq_checks_exclude': ['server.no-*', 'server.hardware-minimum']}
    proc, report, dummy = _run_counting(nodes, tmp_path, selection)
    assert report is not None, proc.stdout[-3000:]
    cml2 = _rows(report, 'cml2')
    assert cml2['server.admin-rights']['status'] == 'fail'
    for entry_id in ('server.no-web-server-port-80', 'server.no-lpd-with-print-server', 'server.hardware-minimum', 'net.cluster.tcp-4111'):
        assert (cml2[entry_id]['status'], cml2[entry_id]['reason']) == ('skip', 'not-selected'), entry_id
    assert {b['id'] for b in report['blocking'] if b['host'] == 'cml2'} >= {'server.admin-rights'}
    assert not [b for b in report['blocking'] if b['id'].startswith(('server.no-', 'net.', 'ldap.')) or b['id'] == 'server.hardware-minimum']


@pytest.mark.parametrize('extra, message', [
    ({'safeq_checks_include': 'server.*'}, "safeq_checks_include: must be a list of catalogue ID patterns"),
    ({'safeq_checks_include': ['server.*', 'sever.*']}, "safeq_checks_include[1]: 'sever.*' matches no catalogue entry ID"),
    ({'safeq_checks_exclude': [7]}, 'safeq_checks_exclude: must be a list of catalogue ID patterns'),
])
def test_bad_patterns_are_refused_before_any_host_is_contacted(nodes, tmp_path, extra, message):
    proc, report, sent = _run_counting(nodes, tmp_path, extra)
    assert proc.returncode != 0 and report is None
    assert message in proc.stdout, proc.stdout[-3000:]
    assert 'Traceback' not in proc.stdout + proc.stderr
    assert sent == {'cml1': 0, 'cml2': 0}


def test_a_selection_that_leaves_nothing_for_a_role_skips_its_probes(nodes, tmp_path):
    proc, report, sent = _run_counting(nodes, tmp_path, {'safeq_checks_include': ['ldap.*']})
    assert report is not None, proc.stdout[-3000:]
    assert sent == {'cml1': 0, 'cml2': 0}, 'no node check selected: no WinRM command'
    assert {h['name']: h['reachable'] for h in report['hosts']} == {'cml1': None, 'cml2': None, 'cml3': None}
    assert {row['reason'] for h in report['hosts'] for row in h['entries']} == {'not-selected'}
    assert 'UNREACHABLE' not in proc.stdout and 'not contacted: no node check was selected in this run' in proc.stdout
    proc, report, sent = _run_counting(nodes, tmp_path, {'safeq_checks_include': ['server.admin-rights']})
    assert sent == {'cml1': 1, 'cml2': 1}, 'server_check only: no entry of windows_feature_check is selected'
    assert _rows(report, 'cml2')['server.admin-rights']['status'] == 'fail'
    assert {(_rows(report, 'cml2')[i]['status'], _rows(report, 'cml2')[i]['reason'])
            for i in ('server.no-web-server-port-80', 'server.no-lpd-with-print-server')} == {('skip', 'not-selected')}
    assert _rows(report, 'cml3')['server.admin-rights']['reason'] == 'host-unreachable'
