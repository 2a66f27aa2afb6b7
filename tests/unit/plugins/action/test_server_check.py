# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the server_check and windows_feature_check action plugins (connection mocked)."""

from __future__ import annotations

import base64
import json
import os
from unittest.mock import MagicMock

import pytest
import yaml

from ansible.errors import AnsibleConnectionFailure

from ansible_collections.safeq.preflight.plugins.action.server_check import ActionModule as ServerCheck
from ansible_collections.safeq.preflight.plugins.action.windows_feature_check import ActionModule as FeatureCheck
from ansible_collections.safeq.preflight.plugins.plugin_utils import _node_runner

NODES = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'lab', 'demo', 'nodes')


def _profile(node):
    with open(os.path.join(NODES, node + '.yml'), encoding='utf-8') as handle:
        return yaml.safe_load(handle)['probes']


def _plugin(cls, args, check_mode=False, shell_family='powershell', outcomes=()):
    task = MagicMock()
    task.args = args
    task.check_mode = check_mode
    task.async_val = 0
    task.action = 'safeq.preflight.' + ('server_check' if cls is ServerCheck else 'windows_feature_check')
    connection = MagicMock()
    connection._shell.SHELL_FAMILY = shell_family
    play_context = MagicMock()
    play_context.check_mode = check_mode
    plugin = cls(task, connection, play_context, loader=None, templar=None, shared_loader_obj=None)
    calls = []
    queue = list(outcomes)

    def _execute(cmd, sudoable=True, in_data=None):
        calls.append((cmd, in_data))
        outcome = queue.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    plugin._low_level_execute_command = _execute
    return plugin, calls


def _answer(probe, data):
    return {'rc': 0, 'stdout': json.dumps({'probe': probe, 'version': 1, 'failed': False, 'msg': '', 'data': data}), 'stderr': ''}


@pytest.mark.parametrize('check_mode', [False, True])
def test_server_check_runs_identically_in_check_mode(check_mode, monkeypatch):
    facts = _profile('cml2')['server_facts']
    plugin, calls = _plugin(ServerCheck, {'share': '\\\\files\\safeq'}, check_mode, outcomes=[_answer('server_facts', facts)])
    result = plugin.run(task_vars={'inventory_hostname': 'cml2'})
    assert result['changed'] is False
    assert not result.get('failed') and not result.get('skipped')
    assert len(calls) == 1
    statuses = {f['id']: f['status'] for f in result['findings']}
    assert statuses['server.admin-rights'] == 'fail'
    assert statuses['server.shared-folder'] == 'fail'
    assert all(f['source'] for f in result['findings']), 'every finding carries its checklist line'
    assert json.loads(calls[0][1]) == {'share': '\\\\files\\safeq'}
    script = base64.b64decode(calls[0][0][len(_node_runner.ENCODED_PREFIX):]).decode('utf-16-le')
    assert script.startswith('# safeq-probe: server_facts v1')


def test_feature_check_sends_what_python_wants_to_know():
    plugin, calls = _plugin(FeatureCheck, {}, outcomes=[_answer('windows_features', _profile('cml2')['windows_features'])])
    result = plugin.run(task_vars={})
    params = json.loads(calls[0][1])
    assert 'Print-LPD-Service' in params['features'] and 80 in params['ports'] and 'LPDSVC' in params['services']
    assert {f['id']: f['status'] for f in result['findings']}['server.no-web-server-port-80'] == 'fail'


@pytest.mark.parametrize('args, message', [
    ({'min_memory_gb': -1}, "'min_memory_gb': -1.0"),
    ({'share': 'files/safeq'}, "option 'share'"),
    ({'min_os_build': 'abc'}, 'min_os_build'),
    ({'bogus': 1}, 'bogus'),
])
def test_bad_input_names_the_option_and_value(args, message):
    plugin, calls = _plugin(ServerCheck, args)
    result = plugin.run(task_vars={})
    assert result['failed'] is True
    assert message in result['msg']
    assert not calls, 'no host is contacted with bad input'


def test_unreachable_after_one_retry(monkeypatch):
    monkeypatch.setattr(_node_runner, 'RETRY_DELAY_SECONDS', 0)
    plugin, calls = _plugin(ServerCheck, {}, outcomes=[AnsibleConnectionFailure('refused'), AnsibleConnectionFailure('refused')])
    result = plugin.run(task_vars={})
    assert result['unreachable'] is True and 'refused' in result['msg']
    assert len(calls) == 2


def test_failed_probe_gives_error_findings_not_pass():
    clixml = '#< CLIXML\r\n<Objs><S S="Error">Access is denied._x000D__x000A_</S></Objs>'
    plugin, dummy = _plugin(ServerCheck, {}, outcomes=[{'rc': 1, 'stdout': '', 'stderr': clixml}])
    result = plugin.run(task_vars={})
    assert result['failed'] is True and 'Access is denied.' in result['msg']
    assert {f['status'] for f in result['findings']} == {'error'}


def test_non_windows_host_is_refused_with_a_clear_message():
    plugin, calls = _plugin(ServerCheck, {}, shell_family='sh')
    result = plugin.run(task_vars={'inventory_hostname': 'linux1'})
    assert result['failed'] is True and 'linux1' in result['msg'] and 'PowerShell' in result['msg']
    assert not calls
