# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the node runner: what _execute_module returned -> facts or a clear error; retries; async."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ansible.errors import AnsibleConnectionFailure

from ansible_collections.safeq.preflight.plugins.plugin_utils import _node_runner as runner

CLIXML = ('#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">'
          '<S S="Error">Get-CimInstance : Access denied _x000D__x000A_</S><S S="Error">at line:1 &lt;here&gt;_x000D__x000A_</S></Objs>')
NO_JSON = 'MODULE FAILURE\nSee stdout/stderr for the exact error'


def test_parse_result_returns_the_facts():
    assert runner.parse_result('win_server_facts', {'changed': False, 'facts': {'user': 'a'}}) == {'user': 'a'}


@pytest.mark.parametrize('result, message', [
    ({'failed': True, 'msg': NO_JSON, 'rc': 0, 'module_stdout': 'garbage {not json', 'module_stderr': ''},
     'printed no JSON on stdout (rc 0)'),
    ({'failed': True, 'msg': NO_JSON, 'rc': 1, 'module_stdout': '', 'module_stderr': CLIXML},
     'exited with code 1 and printed no JSON: Get-CimInstance : Access denied'),
    ({'failed': True, 'msg': 'Module result deserialization failed: No start of json char found', 'rc': 0, 'module_stdout': 'x'},
     'printed no JSON on stdout'),
    ({'failed': True, 'msg': 'Unhandled exception while executing module: boom', 'rc': 1},
     'failed on the node: Unhandled exception while executing module: boom'),
    ({'failed': True, 'msg': 'Ansible requires PowerShell v5.1', 'rc': 1}, 'failed on the node: Ansible requires PowerShell v5.1'),
    ({'changed': False}, 'answered without facts'),
    ({'changed': False, 'facts': ['not', 'a', 'dict']}, 'answered without facts'),
])
def test_parse_result_errors(result, message):
    with pytest.raises(runner.NodeModuleError, match=message.replace('(', r'\(').replace(')', r'\)')) as info:
        runner.parse_result('win_server_facts', result)
    assert info.value.rc == result.get('rc')
    assert set(info.value.to_result()) == {'msg', 'rc', 'module_stdout', 'module_stderr'}


def test_clixml_is_decoded():
    assert runner.decode_clixml(CLIXML) == 'Get-CimInstance : Access denied \r\nat line:1 <here>'
    assert runner.decode_clixml('plain') == 'plain'


class _FakeConnection:
    """Records resets; ``fail`` makes a reset raise (a reconnection that is refused)."""

    def __init__(self, calls, fail=None):
        self.calls = calls
        self.fail = fail

    def reset(self):
        self.calls.append('reset')
        if self.fail:
            raise self.fail


class _FakeAction:
    def __init__(self, outcomes, async_val=0, reset_fails=None):
        self.outcomes = list(outcomes)
        self.calls = []
        self._task = SimpleNamespace(async_val=async_val)
        self._connection = _FakeConnection(self.calls, reset_fails)

    def _execute_module(self, module_name=None, module_args=None, task_vars=None, wrap_async=False):
        self.calls.append((module_name, dict(module_args), wrap_async))
        module_args['_ansible_check_mode'] = False  # what _update_module_args does to the dict it is given
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


def test_the_collection_module_is_run_with_a_copy_of_the_arguments():
    params = {'share': '\\\\s\\x'}
    action = _FakeAction([{'facts': {'user': 'x'}}])
    assert runner.run_module(action, 'win_server_facts', params, {}) == {'user': 'x'}
    assert action.calls == [('safeq.preflight.win_server_facts', {'share': '\\\\s\\x'}, 0)]
    assert params == {'share': '\\\\s\\x'}, 'the caller\'s dict is not changed by Ansible'


def test_one_retry_on_connection_fault(monkeypatch):
    monkeypatch.setattr(runner, 'RETRY_DELAY_SECONDS', 0)
    action = _FakeAction([AnsibleConnectionFailure('reset'), {'facts': {'user': 'x'}}])
    assert runner.run_module(action, 'win_server_facts', {}, {}) == {'user': 'x'}
    assert [call if call == 'reset' else 'run' for call in action.calls] == ['run', 'reset', 'run']
    action = _FakeAction([AnsibleConnectionFailure('reset'), AnsibleConnectionFailure('refused'), {'facts': {}}])
    with pytest.raises(runner.NodeUnreachable, match='refused'):
        runner.run_module(action, 'win_server_facts', {}, {})
    assert [call if call == 'reset' else 'run' for call in action.calls] == ['run', 'reset', 'run']


def test_a_reset_that_fails_leaves_the_retry_to_report_the_fault(monkeypatch):
    """The psrp plugin reconnects in reset(): a refused reconnection must not escape as another error."""
    monkeypatch.setattr(runner, 'RETRY_DELAY_SECONDS', 0)
    action = _FakeAction([AnsibleConnectionFailure('logon refused'), AnsibleConnectionFailure('logon refused again')],
                         reset_fails=AnsibleConnectionFailure('reconnect refused'))
    with pytest.raises(runner.NodeUnreachable, match='logon refused again'):
        runner.run_module(action, 'win_server_facts', {}, {})
    assert [call if call == 'reset' else 'run' for call in action.calls] == ['run', 'reset', 'run']


def test_async_returns_the_start_answer():
    started = {'started': True, 'finished': False, 'ansible_job_id': 'j9.12', 'results_file': 'C:\\x\\j9.12', 'changed': True}
    action = _FakeAction([started], async_val=45)
    assert runner.run_module(action, 'win_port_probe', {}, {}) == {k: started[k] for k in runner.ASYNC_KEYS}
    assert action.calls[0][2] == 45
    action = _FakeAction([{'failed': True, 'msg': 'async start failed'}], async_val=45)
    with pytest.raises(runner.NodeModuleError, match='async start failed'):
        runner.run_module(action, 'win_port_probe', {}, {})
