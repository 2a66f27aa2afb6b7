# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The WinRM simulation, proven against independent clients (pywinrm, Ansible's winrm connection with the
ansible-core this runs on: 2.19 in .venv, 2.21 in .venv-newest), Ansible's PowerShell module protocol
(exec wrapper payload, become, async, check mode) and its faults."""

from __future__ import annotations

import base64
import json
import os
import pkgutil

import pytest
import winrm
import yaml

from tests.lab import lab
from tests.lab.winrm_sim import PAYLOAD_SEPARATOR, SimulatedNodes

FACTS = os.path.join(lab.REPO_ROOT, 'tests', 'lab', 'demo', 'nodes', 'cml1.yml')
# The real bootstrap of the installed ansible-core: what Ansible puts on the command line for every module.
BOOTSTRAP = pkgutil.get_data('ansible.executor.powershell', 'bootstrap_wrapper.ps1').decode('utf-8')
COMMAND = 'PowerShell -NoProfile -NonInteractive -ExecutionPolicy Unrestricted -EncodedCommand ' + \
    base64.b64encode(BOOTSTRAP.encode('utf-16-le')).decode()
ECHO_SOURCE = '#!powershell\n#AnsibleRequires -CSharpUtil Ansible.Basic\n$spec = @{ supports_check_mode = $true }\n'
SHARE = '\\\\files.lab.test\\safeq-install'


def _payload(args, source=ECHO_SOURCE, actions=(), module='sim_echo'):
    """An exec wrapper payload laid out as ansible-core 2.19/2.21 lay it out (module_manifest._get_bootstrap_input)."""
    script = 'ansible_collections.safeq.preflight.plugins.modules.%s.ps1' % module
    manifest = {'scripts': {script: {'path': '/x/%s.ps1' % module, 'script': base64.b64encode(source.encode()).decode()},
                            'module_wrapper.ps1': {'path': '', 'script': ''}},
                'actions': list(actions) + [{'name': 'module_wrapper.ps1', 'secure_params': {}, 'params': {
                    'Script': script, 'Environment': {}, 'ForModule': True,
                    'Variables': [{'Name': 'complex_args', 'Value': dict(args, _ansible_check_mode=False), 'Scope': 'Global'}]}}],
                'signed_hashlist': []}
    bootstrap = {'name': 'exec_wrapper', 'script': '# exec_wrapper.ps1', 'params': {'MinOSVersion': None, 'MinPSVersion': None}}
    return json.dumps(bootstrap).encode() + PAYLOAD_SEPARATOR + json.dumps(manifest).encode()


def _profile(tmp_path, name, address, faults=None, probes=None, become_users=None):
    with open(FACTS, encoding='utf-8') as handle:
        good = yaml.safe_load(handle)['probes']
    profile = {'name': name, 'address': address, 'port': 0, 'credentials': {'username': 'LAB\\tester', 'password': 'Sim-Secret-' + name},
               'faults': faults or {}, 'probes': probes if probes is not None else dict(good, sim_echo={'node': name}),
               'become_users': become_users or {}}
    path = tmp_path / (name + '.yml')
    path.write_text(yaml.safe_dump(profile))
    return str(path)


@pytest.fixture()
def one_node(tmp_path):
    with SimulatedNodes([_profile(tmp_path, 'n1', '127.0.0.41')], log_path=str(tmp_path / 'log.jsonl')) as nodes:
        yield nodes


def _run(nodes, stdin, name='n1', command=COMMAND, password=None):
    address = nodes.addresses[name]
    protocol = winrm.Session('http://%s:%d/wsman' % (address['host'], address['port']),
                             auth=('LAB\\tester', password or 'Sim-Secret-' + name), transport='basic').protocol
    shell = protocol.open_shell(codepage=65001)
    try:
        command_id = protocol.run_command(shell, command, console_mode_stdin=False)
        protocol.send_command_input(shell, command_id, stdin, end=True)
        stdout, stderr, rc = protocol.get_command_output(shell, command_id)
        protocol.cleanup_command(shell, command_id)
    finally:
        protocol.close_shell(shell)
    return rc, stdout.decode('utf-8'), stderr.decode('utf-8')


def test_pywinrm_module_run_gets_the_profile_answer_as_exit_json(one_node):
    rc, stdout, dummy = _run(one_node, _payload({'bind_password': 's3cr3t', 'x': 1}))
    assert rc == 0 and stdout.endswith('\r\n') and len(stdout.strip().splitlines()) == 1
    assert json.loads(stdout) == {'changed': False, 'facts': {'node': 'n1'}, 'invocation': {'module_args': {'bind_password': 's3cr3t', 'x': 1}}}
    entry = one_node.commands('n1')[0]
    assert entry['module'] == 'sim_echo' and entry['params'] == {'bind_password': '********', 'x': 1}
    assert entry['actions'] == ['module_wrapper.ps1'] and entry['become_user'] is None and entry['async_jid'] is None
    with open(one_node.log_path, encoding='utf-8') as handle:
        assert 's3cr3t' not in handle.read()


@pytest.mark.parametrize('command, stdin, message', [
    ('ipconfig /all', b'', "not Ansible's PowerShell bootstrap"),
    (COMMAND, b'{"share": ""}\n', 'no exec wrapper separator'),
    (COMMAND, b'{"name": "other"}' + PAYLOAD_SEPARATOR + b'{}', 'does not start exec_wrapper'),
])
def test_what_is_not_a_module_run_is_refused(one_node, command, stdin, message):
    rc, stdout, stderr = _run(one_node, stdin, command=command)
    assert rc == 1 and not stdout and message in stderr
    assert one_node.commands('n1')[0]['module'] is None


def test_a_module_util_that_was_not_sent_fails_like_the_exec_wrapper(one_node):
    source = ECHO_SOURCE + '#AnsibleRequires -PowerShell ..module_utils._SafeqGather\n'
    rc, stdout, dummy = _run(one_node, _payload({}, source=source))
    assert rc == 1 and json.loads(stdout) == {'failed': True, 'msg': 'failure during exec_wrapper: module util _SafeqGather was not sent'}


def test_a_module_without_check_mode_support_is_skipped_under_check(one_node):
    payload = _payload({}, source='#!powershell\n#AnsibleRequires -CSharpUtil Ansible.Basic\n').replace(
        b'"_ansible_check_mode": false', b'"_ansible_check_mode": true')
    rc, stdout, dummy = _run(one_node, payload)
    assert rc == 0 and json.loads(stdout)['skipped'] is True


def test_bad_credentials_are_rejected(one_node):
    with pytest.raises(winrm.exceptions.InvalidCredentialsError):
        _run(one_node, _payload({}), password='wrong')


def test_a_schema_violation_in_a_profile_is_refused(tmp_path):
    path = _profile(tmp_path, 'bad', '127.0.0.42', probes={'sim_echo': {'node': 42}})
    with SimulatedNodes([path]) as nodes:
        rc, dummy, stderr = _run(nodes, _payload({}), name='bad')
    assert rc == 1 and 'violates sim_echo.schema.json' in stderr


def _play(tmp_path, nodes, task=None, args=(), host_vars=None):
    hosts = nodes.inventory()['all']['children']['safeq_nodes']['hosts']
    for name, extra in (host_vars or {}).items():
        hosts[name].update(extra)
    inventory = lab.write_inventory(str(tmp_path / 'inventory.yml'), hosts)
    playbook = tmp_path / 'play.yml'
    task = dict(task or {'safeq.preflight.server_check': {}}, name='gather', register='out', ignore_errors=True, ignore_unreachable=True)
    playbook.write_text(yaml.safe_dump([
        {'name': 'nodes', 'hosts': 'safeq_nodes', 'gather_facts': False, 'tasks': [task]},
        {'name': 'collect', 'hosts': 'localhost', 'gather_facts': False, 'tasks': [
            {'name': 'write results', 'check_mode': False, 'ansible.builtin.copy': {
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
        log = nodes.commands('ok')
    assert not results['ok'].get('failed') and {f['status'] for f in results['ok']['findings']} >= {'pass'}
    assert [entry['module'] for entry in log] == ['win_server_facts'] and log[0]['params'] == {'share': ''}
    assert log[0]['actions'][-1] == 'module_wrapper.ps1' and log[0]['check_mode'] is False
    assert results['badcreds'].get('unreachable') is True
    assert results['refused'].get('unreachable') is True and 'after one retry' in results['refused']['msg']
    assert not results['slow'].get('failed') and results['slow']['facts']['user'] == 'LAB\\safeq-install'
    assert results['garbage']['failed'] and 'printed no JSON' in results['garbage']['msg']
    assert {f['status'] for f in results['garbage']['findings']} == {'error'}
    assert results['crash']['failed'] and 'Access denied <WMI>' in results['crash']['msg'] and results['crash']['rc'] == 1
    assert {f['status'] for f in results['crash']['findings']} == {'error'}
    assert not results['flaky'].get('failed') and counts['flaky'] == 2, 'one retry after a dropped connection'
    assert results['dropping'].get('unreachable') is True and counts['dropping'] == 2
    assert counts['ok'] == 1 and counts['refused'] == 0 and counts['badcreds'] == 0
    assert 'Sim-Secret' not in proc.stdout + proc.stderr


BECOME = {'ansible_become': True, 'ansible_become_method': 'runas', 'ansible_become_user': 'LAB\\safeq-share'}


def test_become_runas_reads_the_share_as_the_second_hop_account(tmp_path):
    """Over Basic/NTLM the WinRM logon has no network credentials: the share answers access denied (HResult
    0x80070005). With become (runas, a full logon of the become user) the same share is listable."""
    good = yaml.safe_load(open(FACTS, encoding='utf-8'))['probes']
    denied = dict(good['win_server_facts'], share={'path': SHARE, 'exists': False, 'listable': False, 'error': 'Access is denied.',
                                                   'hresult': -2147024891, 'category': 'PermissionDenied'})
    listable = {'share': {'path': SHARE, 'exists': True, 'listable': True, 'error': None, 'hresult': None, 'category': None}}
    users = {'LAB\\safeq-share': {'password': 'Share-Secret-1', 'probes': {'win_server_facts': listable}}}
    probes = dict(good, win_server_facts=denied)
    profiles = [_profile(tmp_path, name, address, probes=probes, become_users=users)
                for name, address in (('plain', '127.0.0.61'), ('become', '127.0.0.62'), ('wrongpw', '127.0.0.63'))]
    with SimulatedNodes(profiles) as nodes:
        proc, results = _play(tmp_path, nodes, {'safeq.preflight.server_check': {'share': SHARE}}, host_vars={
            'become': dict(BECOME, ansible_become_password='Share-Secret-1'),
            'wrongpw': dict(BECOME, ansible_become_password='not-it')})
        logs = {name: nodes.commands(name) for name in ('plain', 'become', 'wrongpw')}
    share = {name: next(f for f in results[name].get('findings', []) if f['id'] == 'server.shared-folder') for name in results}
    assert (share['plain']['status'], share['plain']['reason']) == ('error', 'access-denied')
    assert (share['become']['status'], share['become']['reason']) == ('pass', 'share-listable')
    assert logs['plain'][0]['become_user'] is None
    assert logs['become'][0]['become_user'] == 'LAB\\safeq-share' and logs['become'][0]['actions'][0] == 'become_wrapper.ps1'
    # a wrong become password fails like LogonUser does (1326), and no entry is shown as pass
    assert results['wrongpw']['failed'] and '0x0000052E' in results['wrongpw']['msg']
    assert {f['status'] for f in results['wrongpw']['findings']} == {'error'}
    assert 'Share-Secret-1' not in proc.stdout + proc.stderr and 'not-it' not in proc.stdout + proc.stderr


def test_async_poll_0_starts_the_gather_in_the_background(tmp_path):
    with SimulatedNodes([_profile(tmp_path, 'bg', '127.0.0.64')]) as nodes:
        proc, results = _play(tmp_path, nodes, {'safeq.preflight.server_check': {}, 'async': 120, 'poll': 0})
        log = nodes.commands('bg')
        jobs = nodes.jobs('bg', wait=10)
    started = results['bg']
    assert started.get('started') and not started.get('finished') and 'findings' not in started, proc.stdout[-2000:]
    assert started['ansible_job_id'] in jobs and started['results_file'].endswith(started['ansible_job_id'])
    assert 'async_wrapper.ps1' in log[0]['actions'] and log[0]['async_jid'] == started['ansible_job_id'].split('.')[0]
    assert jobs[started['ansible_job_id']]['facts']['user'] == 'LAB\\safeq-install'


def test_check_mode_runs_the_module_and_is_not_skipped(tmp_path):
    with SimulatedNodes([_profile(tmp_path, 'chk', '127.0.0.65')]) as nodes:
        proc, results = _play(tmp_path, nodes, args=['--check'])
        log = nodes.commands('chk')
    assert not results['chk'].get('skipped') and results['chk']['changed'] is False and results['chk']['findings']
    assert log[0]['check_mode'] is True


def test_become_accounts_of_the_simulation(one_node):
    """The connection account with its own password (remote UAC: a full token) and SYSTEM are accepted; a stranger
    is refused like LogonUser refuses it."""
    def become(user, password):
        action = {'name': 'become_wrapper.ps1', 'params': {'BecomeUser': user, 'LogonType': 'Interactive', 'LogonFlags': 'WithProfile'},
                  'secure_params': {'BecomePassword': password}}
        return _run(one_node, _payload({}, actions=[action]))
    assert become('LAB\\tester', 'Sim-Secret-n1')[0] == 0
    assert become('SYSTEM', None)[0] == 0
    rc, stdout, dummy = become('LAB\\stranger', 'x')
    assert rc == 1 and 'Win32ErrorCode 1326' in json.loads(stdout)['msg']
    assert [entry['become_user'] for entry in one_node.commands('n1')] == ['LAB\\tester', 'SYSTEM', 'LAB\\stranger']
