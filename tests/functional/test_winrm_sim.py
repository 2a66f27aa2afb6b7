# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The WinRM simulation, proven against independent clients (pywinrm, Ansible's winrm connection) and its faults."""

from __future__ import annotations

import base64
import json
import os

import pytest
import winrm
import yaml

from tests.lab import lab
from tests.lab.winrm_sim import SimulatedNodes

FACTS = os.path.join(lab.REPO_ROOT, 'tests', 'lab', 'demo', 'nodes', 'cml1.yml')
ECHO = '# safeq-probe: sim_echo v1\n$p = (@($input) -join "`n") | ConvertFrom-Json\n'


def _profile(tmp_path, name, address, faults=None, probes=None):
    with open(FACTS, encoding='utf-8') as handle:
        good = yaml.safe_load(handle)['probes']
    profile = {'name': name, 'address': address, 'port': 0, 'credentials': {'username': 'LAB\\tester', 'password': 'Sim-Secret-' + name},
               'faults': faults or {}, 'probes': probes if probes is not None else dict(good, sim_echo={'node': name})}
    path = tmp_path / (name + '.yml')
    path.write_text(yaml.safe_dump(profile))
    return str(path)


@pytest.fixture()
def one_node(tmp_path):
    with SimulatedNodes([_profile(tmp_path, 'n1', '127.0.0.41')], log_path=str(tmp_path / 'log.jsonl')) as nodes:
        yield nodes


def _session(nodes, name='n1', password=None):
    address = nodes.addresses[name]
    return winrm.Session('http://%s:%d/wsman' % (address['host'], address['port']),
                         auth=('LAB\\tester', password or 'Sim-Secret-' + name), transport='basic')


def test_pywinrm_run_ps_gets_the_profile_answer(one_node):
    result = _session(one_node).run_ps(ECHO)
    assert result.status_code == 0
    document = json.loads(result.std_out)
    assert document == {'probe': 'sim_echo', 'version': 1, 'failed': False, 'msg': '', 'data': {'node': 'n1'}}


def test_pywinrm_protocol_with_stdin_and_an_unknown_command(one_node):
    protocol = _session(one_node).protocol
    shell = protocol.open_shell(codepage=65001)
    try:
        command = 'PowerShell -NoProfile -NonInteractive -ExecutionPolicy Unrestricted -EncodedCommand ' + \
            base64.b64encode(ECHO.encode('utf-16-le')).decode()
        command_id = protocol.run_command(shell, command, console_mode_stdin=False)
        protocol.send_command_input(shell, command_id, b'{"bind_password": "s3cr3t", "x": 1}\n', end=True)
        stdout, stderr, rc = protocol.get_command_output(shell, command_id)
        protocol.cleanup_command(shell, command_id)
        assert rc == 0 and json.loads(stdout)['data'] == {'node': 'n1'}
        unknown = protocol.run_command(shell, 'ipconfig', ['/all'])
        stdout, stderr, rc = protocol.get_command_output(shell, unknown)
        assert rc == 1 and b'unknown command' in stderr
    finally:
        protocol.close_shell(shell)
    log = one_node.commands('n1')
    assert log[0]['params'] == {'bind_password': '********', 'x': 1}


def test_bad_credentials_are_rejected(one_node):
    with pytest.raises(winrm.exceptions.InvalidCredentialsError):
        _session(one_node, password='wrong').run_ps(ECHO)


def test_a_schema_violation_in_a_profile_is_refused(tmp_path):
    path = _profile(tmp_path, 'bad', '127.0.0.42', probes={'sim_echo': {'node': 42}})
    with SimulatedNodes([path]) as nodes:
        result = _session(nodes, 'bad').run_ps(ECHO)
    assert result.status_code == 1
    assert b'violates sim_echo.schema.json' in result.std_err


def _play(tmp_path, nodes, args=()):
    inventory = lab.write_inventory(str(tmp_path / 'inventory.yml'), nodes.inventory()['all']['children']['safeq_nodes']['hosts'])
    playbook = tmp_path / 'play.yml'
    playbook.write_text(yaml.safe_dump([
        {'name': 'faults', 'hosts': 'safeq_nodes', 'gather_facts': False, 'tasks': [
            {'name': 'server check', 'safeq.preflight.server_check': {}, 'register': 'out', 'ignore_errors': True, 'ignore_unreachable': True}]},
        {'name': 'collect', 'hosts': 'localhost', 'gather_facts': False, 'tasks': [
            {'name': 'write results', 'ansible.builtin.copy': {
                'dest': str(tmp_path / 'results.json'),
                'content': "{{ dict(groups.safeq_nodes | zip(groups.safeq_nodes | map('extract', hostvars, 'out'))) | to_json }}"}}]}]))
    proc = lab.run_playbook(str(tmp_path), inventory, playbook=str(playbook), args=list(args))
    assert (tmp_path / 'results.json').exists(), proc.stdout[-3000:] + proc.stderr[-2000:]
    return proc, json.loads((tmp_path / 'results.json').read_text())


def test_faults_through_ansibles_winrm_connection(tmp_path):
    profiles = [
        _profile(tmp_path, 'ok', '127.0.0.51'),
        _profile(tmp_path, 'badcreds', '127.0.0.52', {'bad_credentials': True}),
        _profile(tmp_path, 'refused', '127.0.0.53', {'refuse_connections': True}),
        _profile(tmp_path, 'slow', '127.0.0.54', {'delay_seconds': 2}),
        _profile(tmp_path, 'garbage', '127.0.0.55', {'garbage_stdout': True}),
        _profile(tmp_path, 'crash', '127.0.0.56', {'exit_code': 1, 'stderr_clixml': 'Get-CimInstance : Access denied <WMI>'}),
        _profile(tmp_path, 'flaky', '127.0.0.57', {'drop_first_n_connections': 1}),
        _profile(tmp_path, 'dropping', '127.0.0.58', {'drop_mid_receive': True}),
    ]
    with SimulatedNodes(profiles) as nodes:
        proc, results = _play(tmp_path, nodes)
        counts = {name: len(nodes.commands(name)) for name in nodes.nodes}
    assert not results['ok'].get('failed') and {f['status'] for f in results['ok']['findings']} >= {'pass'}
    assert results['badcreds'].get('unreachable') is True
    assert results['refused'].get('unreachable') is True and 'after one retry' in results['refused']['msg']
    assert not results['slow'].get('failed') and results['slow']['facts']['user'] == 'LAB\\safeq-install'
    assert results['garbage']['failed'] and 'printed no JSON' in results['garbage']['msg']
    assert {f['status'] for f in results['garbage']['findings']} == {'error'}
    assert results['crash']['failed'] and 'Access denied <WMI>' in results['crash']['msg'] and results['crash']['rc'] == 1
    assert not results['flaky'].get('failed') and counts['flaky'] == 2, 'one retry after a dropped connection'
    assert results['dropping'].get('unreachable') is True and counts['dropping'] == 2
    assert counts['ok'] == 1 and counts['refused'] == 0 and counts['badcreds'] == 0
    assert 'Sim-Secret' not in proc.stdout + proc.stderr
