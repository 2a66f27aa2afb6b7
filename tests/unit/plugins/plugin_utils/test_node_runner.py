# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the node runner: command building, output parsing, retries."""

from __future__ import annotations

import base64
import json

import pytest

from ansible.errors import AnsibleConnectionFailure

from ansible_collections.safeq.preflight.plugins.plugin_utils import _node_runner as runner

CLIXML = ('#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">'
          '<S S="Error">Get-CimInstance : Access denied _x000D__x000A_</S><S S="Error">at line:1 &lt;here&gt;_x000D__x000A_</S></Objs>')


def _doc(name='server_facts', **data):
    return json.dumps({'probe': name, 'version': 1, 'failed': False, 'msg': '', 'data': data})


def test_every_script_fits_the_command_line_and_keeps_its_marker():
    for name in ('server_facts', 'windows_features'):
        command = runner.encode_command(runner.load_script(name))
        assert command.startswith(runner.ENCODED_PREFIX)
        script = base64.b64decode(command[len(runner.ENCODED_PREFIX):]).decode('utf-16-le')
        assert runner.MARKER_RE.search(script).group('name') == name
        assert len(command) <= runner.MAX_COMMAND_CHARS


def test_too_long_script_is_refused_before_sending():
    with pytest.raises(ValueError, match='too long for the Windows command line'):
        runner.encode_command('x' * 3040)
    runner.encode_command('x' * 3039)  # the documented limit: 84 + 4 * ceil(6078 / 3) = 8188 characters


def test_parse_output_returns_data():
    assert runner.parse_output('server_facts', 0, 'banner\r\n' + _doc(user='a') + '\r\n', '') == {'user': 'a'}


@pytest.mark.parametrize('rc, stdout, stderr, message', [
    (0, '', '', 'printed no JSON'),
    (0, 'garbage {not json', '', 'printed no JSON'),
    (1, '', CLIXML, 'exited with code 1'),
    (0, _doc(name='other'), '', 'not its answer'),
    (0, json.dumps({'probe': 'server_facts', 'failed': True, 'msg': 'boom', 'data': {}}), '', 'failed on the node: boom'),
    (5, _doc(user='a'), 'oops', 'exited with code 5: oops'),
])
def test_parse_output_errors(rc, stdout, stderr, message):
    with pytest.raises(runner.NodeScriptError, match=message) as info:
        runner.parse_output('server_facts', rc, stdout, stderr)
    assert info.value.rc == rc


def test_clixml_is_decoded():
    text = runner.decode_clixml(CLIXML)
    assert text == 'Get-CimInstance : Access denied \r\nat line:1 <here>'
    assert runner.decode_clixml('plain') == 'plain'


class _FakeAction:
    def __init__(self, outcomes):
        self.outcomes = list(outcomes)
        self.calls = []

    def _low_level_execute_command(self, cmd, sudoable=True, in_data=None):
        self.calls.append((cmd, in_data))
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


def test_secrets_travel_on_stdin_only(monkeypatch):
    monkeypatch.setattr(runner, 'RETRY_DELAY_SECONDS', 0)
    action = _FakeAction([{'rc': 0, 'stdout': _doc(user='x'), 'stderr': ''}])
    runner.run_script(action, 'server_facts', {'share': '\\\\s\\x', 'bind_password': 's3cr3t'})
    cmd, stdin = action.calls[0]
    assert 's3cr3t' not in base64.b64decode(cmd[len(runner.ENCODED_PREFIX):]).decode('utf-16-le')
    assert json.loads(stdin) == {'share': '\\\\s\\x', 'bind_password': 's3cr3t'}


def test_one_retry_on_connection_fault(monkeypatch):
    monkeypatch.setattr(runner, 'RETRY_DELAY_SECONDS', 0)
    action = _FakeAction([AnsibleConnectionFailure('reset'), {'rc': 0, 'stdout': _doc(user='x'), 'stderr': ''}])
    assert runner.run_script(action, 'server_facts', {}) == {'user': 'x'}
    assert len(action.calls) == 2
    action = _FakeAction([AnsibleConnectionFailure('reset'), AnsibleConnectionFailure('refused'), {'rc': 0, 'stdout': '', 'stderr': ''}])
    with pytest.raises(runner.NodeUnreachable, match='refused'):
        runner.run_script(action, 'server_facts', {})
    assert len(action.calls) == 2


def test_script_name_is_validated():
    with pytest.raises(ValueError):
        runner.script_path('../etc/passwd')
