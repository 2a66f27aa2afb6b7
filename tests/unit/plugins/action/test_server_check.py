# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the server_check and windows_feature_check action plugins (``_execute_module`` mocked).

The real module path (Ansible's exec wrapper over WinRM on ansible-core 2.19 and 2.21) is proven by
tests/functional/test_winrm_sim.py and test_playbook_end_to_end.py.
"""

from __future__ import annotations

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


def _plugin(cls, args, check_mode=False, shell_family='powershell', outcomes=(), async_val=0):
    task = MagicMock()
    task.args = args
    task.check_mode = check_mode
    task.async_val = async_val
    task.action = 'safeq.preflight.' + ('server_check' if cls is ServerCheck else 'windows_feature_check')
    connection = MagicMock()
    connection._shell.SHELL_FAMILY = shell_family
    play_context = MagicMock()
    play_context.check_mode = check_mode
    plugin = cls(task, connection, play_context, loader=None, templar=None, shared_loader_obj=None)
    calls = []
    queue = list(outcomes)

    def _execute(module_name=None, module_args=None, task_vars=None, wrap_async=False):
        calls.append((module_name, json.loads(json.dumps(module_args)), wrap_async))
        outcome = queue.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    plugin._execute_module = _execute
    return plugin, calls


def _answer(data):
    return {'changed': False, 'facts': data, 'invocation': {'module_args': {}}}


@pytest.mark.parametrize('check_mode', [False, True])
def test_server_check_runs_identically_in_check_mode(check_mode, monkeypatch):
    facts = _profile('cml2')['win_server_facts']
    plugin, calls = _plugin(ServerCheck, {'share': '\\\\files\\safeq'}, check_mode, outcomes=[_answer(facts)])
    result = plugin.run(task_vars={'inventory_hostname': 'cml2'})
    assert result['changed'] is False
    assert not result.get('failed') and not result.get('skipped')
    assert len(calls) == 1
    statuses = {f['id']: f['status'] for f in result['findings']}
    assert statuses['server.admin-rights'] == 'fail'
    assert statuses['server.shared-folder'] == 'fail'
    assert all(f['source'] for f in result['findings']), 'every finding carries its checklist line'
    assert calls[0] == ('safeq.preflight.win_server_facts', {'share': '\\\\files\\safeq'}, 0)


def test_feature_check_sends_what_python_wants_to_know():
    plugin, calls = _plugin(FeatureCheck, {}, outcomes=[_answer(_profile('cml2')['win_feature_facts'])])
    result = plugin.run(task_vars={})
    assert calls[0][0] == 'safeq.preflight.win_feature_facts'
    params = calls[0][1]
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
    plugin, dummy = _plugin(ServerCheck, {}, outcomes=[{'failed': True, 'msg': 'MODULE FAILURE\nSee stdout/stderr for the exact error',
                                                       'rc': 1, 'module_stdout': '', 'module_stderr': clixml}])
    result = plugin.run(task_vars={})
    assert result['failed'] is True and 'Access is denied.' in result['msg'] and result['rc'] == 1
    assert {f['status'] for f in result['findings']} == {'error'}


def test_module_failure_json_gives_error_findings():
    plugin, dummy = _plugin(ServerCheck, {}, outcomes=[{'failed': True, 'msg': 'Unhandled exception while executing module: boom'}])
    result = plugin.run(task_vars={})
    assert result['failed'] is True and 'failed on the node: Unhandled exception' in result['msg']
    assert {f['status'] for f in result['findings']} == {'error'}


def test_an_answer_without_facts_is_an_error_not_a_pass():
    plugin, dummy = _plugin(ServerCheck, {}, outcomes=[{'changed': False}])
    result = plugin.run(task_vars={})
    assert result['failed'] is True and 'without facts' in result['msg']
    assert {f['status'] for f in result['findings']} == {'error'}


def test_async_starts_the_gather_and_evaluates_nothing_yet():
    started = {'started': True, 'finished': False, 'ansible_job_id': 'j1.42', 'results_file': 'C:\\a\\j1.42', 'changed': True}
    plugin, calls = _plugin(ServerCheck, {}, outcomes=[started], async_val=60)
    result = plugin.run(task_vars={})
    assert calls[0][2] == 60, 'the exec wrapper gets wrap_async'
    assert result['ansible_job_id'] == 'j1.42' and result['changed'] is False and 'findings' not in result
    assert not result.get('failed')


def test_hotfix_dates_are_parsed_on_the_controller_whatever_the_node_locale():
    facts = dict(_profile('cml1')['win_server_facts'])
    facts['hotfixes'] = [{'id': 'KB1', 'description': 'Sicherheitsupdate', 'installed_on_raw': '12.11.2026'}]
    plugin, dummy = _plugin(ServerCheck, {}, outcomes=[_answer(facts)])
    result = plugin.run(task_vars={})
    patches = next(f for f in result['findings'] if f['id'] == 'server.security-patches')
    assert '2026-11-12' in patches['detail']


def test_non_windows_host_is_refused_with_a_clear_message():
    plugin, calls = _plugin(ServerCheck, {}, shell_family='sh')
    result = plugin.run(task_vars={'inventory_hostname': 'linux1'})
    assert result['failed'] is True and 'linux1' in result['msg'] and 'PowerShell' in result['msg']
    assert not calls


def test_the_cmd_shell_of_winrm_on_ansible_core_2_21_is_a_windows_host():
    plugin, calls = _plugin(FeatureCheck, {}, shell_family='cmd', outcomes=[_answer(_profile('cml1')['win_feature_facts'])])
    result = plugin.run(task_vars={})
    assert not result.get('failed') and calls[0][0] == 'safeq.preflight.win_feature_facts'


def test_server_check_compares_the_node_clock_with_the_task_window():
    """The node's clock is taken as 10 minutes ahead of the controller's time at the task: clock advisory warns."""
    import time
    facts = dict(_profile('cml1')['win_server_facts'], clock={'utc_epoch_ms': int((time.time() + 600) * 1000)})
    plugin, calls = _plugin(ServerCheck, {'share': '\\\\files\\safeq'}, outcomes=[_answer(facts)])
    result = plugin.run(task_vars={'inventory_hostname': 'cml1'})
    clock = [f for f in result['findings'] if f['reason'] in ('clock-offset', 'clock-in-sync')]
    assert [(f['id'], f['status'], f['reason']) for f in clock] == [('server.hardware-minimum', 'warn', 'clock-offset')]
    assert 'windows_update_search' not in calls[0][1], 'the slow search is left out unless asked'


def test_server_check_asks_for_the_update_search_only_when_told():
    facts = dict(_profile('cml1')['win_server_facts'],
                 windows_update={'result_code': 2, 'wsus': {'server': 'http://wsus:8530', 'use_wu_server': 1}, 'updates': [
                     {'title': '2026-11 Cumulative Update', 'kb': ['5068787'], 'severity': 'Critical', 'categories': []}]})
    plugin, calls = _plugin(ServerCheck, {'windows_update_search': True, 'windows_update_timeout': 120}, outcomes=[_answer(facts)])
    result = plugin.run(task_vars={'inventory_hostname': 'cml1'})
    assert calls[0][1] == {'share': '', 'windows_update_search': True, 'windows_update_timeout': 120}
    patches = [(f['status'], f['reason']) for f in result['findings'] if f['id'] == 'server.security-patches']
    assert ('fail', 'security-updates-missing') in patches and len(patches) == 2


@pytest.mark.parametrize('args, message', [
    ({'clock_max_offset_s': -1}, 'clock_max_offset_s'),
    ({'windows_update_timeout': 5}, 'windows_update_timeout'),
])
def test_server_check_refuses_bad_new_options_before_contacting_the_node(args, message):
    plugin, calls = _plugin(ServerCheck, args, outcomes=[])
    result = plugin.run(task_vars={'inventory_hostname': 'cml1'})
    assert result['failed'] and message in result['msg'] and not calls


def test_the_clock_window_starts_when_the_node_is_contacted(monkeypatch):
    """Work before the node is contacted (here 100 s of it, on a fake clock) does not widen the clock window."""
    import time
    now = [1795000000.0]
    monkeypatch.setattr(time, 'time', lambda: now[0])
    facts = dict(_profile('cml1')['win_server_facts'])
    plugin, calls = _plugin(ServerCheck, {}, outcomes=[])
    checks = plugin._check_args

    def slow_checks(args):
        now[0] += 100
        return checks(args)

    def node(module_name=None, module_args=None, task_vars=None, wrap_async=False):
        calls.append(module_name)
        answer = _answer(dict(facts, clock={'utc_epoch_ms': int(now[0] * 1000)}))  # the node's clock agrees with the controller's
        now[0] += 5
        return answer

    plugin._check_args, plugin._execute_module = slow_checks, node
    result = plugin.run(task_vars={'inventory_hostname': 'cml1'})
    clock = [f for f in result['findings'] if f['reason'].startswith('clock-')]
    assert [(f['status'], f['reason']) for f in clock] == [('pass', 'clock-in-sync')] and len(calls) == 1
