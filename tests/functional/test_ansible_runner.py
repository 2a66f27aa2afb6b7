# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pipelines: the playbook run through ansible-runner (what AWX/AAP and CI wrappers use) against simulated WinRM nodes.

Ground truth: the lab's node profiles (cml2 misconfigured, cml3 switched off), so the run is blocked: ansible-runner's
artifacts must hold the exit status (rc 2, status failed), the report task's result (paths and verdict) in the job
events, and the report files themselves when safeq_report_dir points into the artifact directory.
"""

from __future__ import annotations

import glob
import json
import os
import xml.etree.ElementTree as ET

import pytest

from tests.lab import lab
from tests.lab.winrm_sim import SimulatedNodes

ansible_runner = pytest.importorskip('ansible_runner', reason='ansible-runner is in requirements-test-tools.txt')

NODES = sorted(glob.glob(os.path.join(lab.REPO_ROOT, 'tests', 'lab', 'demo', 'nodes', '*.yml')))


def test_playbook_through_ansible_runner_leaves_report_junit_and_exit_status_in_its_artifacts(tmp_path):
    private = tmp_path / 'runner'
    artifacts = private / 'artifacts' / 'site-a'
    reports = artifacts / 'reports'
    private.mkdir()
    with SimulatedNodes(NODES) as nodes:
        inventory = lab.write_inventory(str(tmp_path / 'inventory.yml'), nodes.inventory()['all']['children']['safeq_nodes']['hosts'],
                                        {'safeq_features': ['print_server_role'], 'safeq_report_dir': str(reports)})
        env = {key: value for key, value in lab.ansible_env(str(tmp_path)).items() if key.startswith('ANSIBLE_') or key == 'PATH'}
        result = ansible_runner.run(private_data_dir=str(private), project_dir=lab.PLAYBOOKS, playbook='preinstall_check.yml',
                                    inventory=inventory, ident='site-a', envvars=env, quiet=True, timeout=600)
    assert (result.status, result.rc) == ('failed', 2), (result.status, result.rc, result.stdout.read()[-3000:])
    assert (artifacts / 'rc').read_text().strip() == '2' and (artifacts / 'status').read_text().strip() == 'failed'
    events = [json.loads(path.read_text()) for path in sorted((artifacts / 'job_events').glob('*.json'))]
    report_events = [e for e in events if e.get('event') == 'runner_on_failed'
                     and e['event_data'].get('task_action') in ('safeq.preflight.preflight_report', 'preflight_report')]
    assert len(report_events) == 1, [e.get('event') for e in events]
    task_result = report_events[0]['event_data']['res']
    assert task_result['summary']['verdict'] == 'blocked' and task_result['summary']['blocking_count'] > 0
    assert task_result['report_paths']['junit'] == str(reports / 'safeq-preflight.junit.xml')
    report = json.loads((reports / 'safeq-preflight.json').read_text())
    assert report['summary'] == task_result['summary']
    assert {h['name']: h['reachable'] for h in report['hosts']} == {'cml1': True, 'cml2': True, 'cml3': False}
    junit = ET.parse(str(reports / 'safeq-preflight.junit.xml')).getroot()
    assert int(junit.get('failures')) == report['summary']['by_status']['fail']
    assert int(junit.get('errors')) == report['summary']['by_status']['error']
    assert (reports / 'safeq-preflight.html').read_text().count('<html') == 1
