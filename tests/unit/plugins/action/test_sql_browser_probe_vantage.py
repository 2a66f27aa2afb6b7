# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""sql_browser_probe measured from another host than the node it is recorded for (``safeq_db_probe_from=controller``).

Ground truth: the task's delegation written here (delegated to localhost, to the node itself, not delegated) and the
module's answer written here (both entries pass, as a controller with a route to the database would measure them).
"""

from __future__ import annotations

import datetime
import json
import os
from unittest.mock import MagicMock

import jsonschema
import pytest

from ansible_collections.safeq.preflight.plugins.action.sql_browser_probe import ActionModule
from ansible_collections.safeq.preflight.plugins.module_utils._findings import finding
from ansible_collections.safeq.preflight.plugins.module_utils.mssql import _sql_probe
from ansible_collections.safeq.preflight.plugins.plugin_utils import _catalogue
from ansible_collections.safeq.preflight.plugins.plugin_utils.report import _report

PASSES = [finding(_sql_probe.UDP_ENTRY, 'pass', 'browser-answered', 'The SQL Server Browser on sql01 UDP 1434 lists: SAFEQ.'),
          finding(_sql_probe.TCP_ENTRY, 'pass', 'tds-prelogin', 'sql01\\SAFEQ: TCP 49703 answers PRELOGIN.')]


def _run(delegate_to):
    task = MagicMock()
    task.args = {'host': 'sql01', 'instance': 'SAFEQ'}
    task.check_mode = False
    task.async_val = 0
    task.delegate_to = delegate_to
    task.action = 'safeq.preflight.sql_browser_probe'
    connection = MagicMock()
    connection._shell.SHELL_FAMILY = 'sh'
    plugin = ActionModule(task, connection, MagicMock(check_mode=False), loader=None, templar=None, shared_loader_obj=None)
    plugin._execute_module = lambda **kwargs: {'changed': False, 'findings': [dict(item) for item in PASSES]}
    return plugin.run(task_vars={'inventory_hostname': 'cml1'})


def test_a_pass_measured_from_the_controller_is_capped_and_names_where_it_was_measured():
    result = _run('localhost')
    assert result['probed_from'] == 'localhost'
    for item in result['findings']:
        assert (item['status'], item['reason'], item['measured_from']) == ('warn', 'probed-from-controller', 'localhost')
        assert item['detail'].startswith('Probed from the controller (localhost), not from cml1')
        assert 'safeq_db_probe_from=node' in item['remediation']


@pytest.mark.parametrize('delegate_to', ['cml1', None])
def test_a_probe_measured_on_the_node_is_unchanged(delegate_to):
    result = _run(delegate_to)
    assert result['probed_from'] == 'cml1'
    assert [(f['status'], f['reason'], f['detail']) for f in result['findings']] == [(f['status'], f['reason'], f['detail']) for f in PASSES]
    assert all('measured_from' not in f for f in result['findings'])


def test_another_host_and_a_failure_keep_their_status_and_name_the_vantage_point():
    failed = [finding(_sql_probe.TCP_ENTRY, 'fail', 'filtered', 'TCP 49703 filtered')]
    capped = _sql_probe.from_vantage(PASSES + failed, 'cml1', 'jump01')
    assert [(f['status'], f['reason']) for f in capped] == [('warn', 'probed-off-node'), ('warn', 'probed-off-node'), ('fail', 'filtered')]
    assert all(f['measured_from'] == 'jump01' and 'Probed from jump01, not from cml1' in f['detail'] for f in capped)


def test_the_report_row_says_where_it_was_measured():
    catalogue = _catalogue.load()
    result = _run('localhost')
    hosts = {'cml1': {'server_role': 'cml', 'reachable': True, 'message': '', 'ran': ['sql_browser_probe'], 'findings': result['findings']}}
    run = {'started': 's', 'finished': 'f', 'collection_version': '0.1.0', 'ansible_core_version': '2.19', 'check_mode': False,
           'inventory_hosts': ['cml1'], 'features': ['external_db'], 'fail_on': 'fail'}
    report = _report.build_report(hosts, catalogue, ['external_db'], [], [], 'fail', run, datetime.date(2026, 11, 30))
    rows = {row['id']: row for row in report['hosts'][0]['entries']}
    for entry in (_sql_probe.UDP_ENTRY, _sql_probe.TCP_ENTRY):
        assert (rows[entry]['status'], rows[entry]['measured_from']) == ('warn', 'localhost')
        assert 'controller (localhost)' in rows[entry]['detail']
    with open(os.path.join(os.path.dirname(_catalogue.DEFAULT_PATH), 'report.schema.json'), encoding='utf-8') as handle:
        jsonschema.validate(json.loads(json.dumps(report)), json.load(handle))
