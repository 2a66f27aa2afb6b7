# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Selection in a real playbook run against simulated WinRM nodes: area tags, safeq_checks_include / _exclude, bad patterns.

Ground truth: the host profiles in tests/lab/demo/nodes (cml1 prepared, cml2 misconfigured, cml3 switched off) and the
simulator's request log (which probe scripts each node was asked to run).
"""

from __future__ import annotations

import glob
import json
import os

import pytest

from ansible_collections.safeq.preflight.plugins.plugin_utils import _catalogue
from tests.lab import lab
from tests.lab.winrm_sim import SimulatedNodes

NODES = sorted(glob.glob(os.path.join(lab.REPO_ROOT, 'tests', 'lab', 'demo', 'nodes', '*.yml')))


@pytest.fixture(scope='module')
def nodes():
    sim = SimulatedNodes(NODES)
    sim.start()
    try:
        yield sim
    finally:
        sim.stop()


def _run(nodes, tmp_path, extra_vars=None, args=()):
    all_vars = {'safeq_features': ['print_server_role'], 'safeq_report_dir': str(tmp_path / 'reports')}
    all_vars.update(extra_vars or {})
    inventory = lab.write_inventory(str(tmp_path / 'inventory.yml'), nodes.inventory()['all']['children']['safeq_nodes']['hosts'], all_vars)
    before = {name: len(nodes.commands(name)) for name in ('cml1', 'cml2')}
    proc = lab.run_playbook(str(tmp_path), inventory, args=list(args))
    path = tmp_path / 'reports' / 'safeq-preflight.json'
    report = json.loads(path.read_text()) if path.exists() else None
    sent = {name: len(nodes.commands(name)) - before[name] for name in before}
    return proc, report, sent


def _rows(report, host):
    return {row['id']: row for h in report['hosts'] if h['name'] == host for row in h['entries']}


def test_tag_server_runs_the_server_checks_only(nodes, tmp_path):
    proc, report, sent = _run(nodes, tmp_path, args=['--tags', 'server'])
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


def test_include_and_exclude_by_id(nodes, tmp_path):
    proc, report, dummy = _run(nodes, tmp_path, {'safeq_checks_include': ['server.*'],
                                                 'safeq_checks_exclude': ['server.no-*', 'server.hardware-minimum']})
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
    proc, report, sent = _run(nodes, tmp_path, extra)
    assert proc.returncode != 0 and report is None
    assert message in proc.stdout, proc.stdout[-3000:]
    assert 'Traceback' not in proc.stdout + proc.stderr
    assert sent == {'cml1': 0, 'cml2': 0}
