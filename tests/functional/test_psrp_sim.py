# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The PSRP endpoint of the simulated nodes, proven against independent clients: pypsrp's own RunspacePool and
PowerShell, and Ansible's psrp connection plugin (ansible-core 2.19 in .venv, 2.21 in .venv-newest), with become
(runas) and async (poll: 0, ansible.windows.async_status) over psrp.

Ground truth: one simulated node and its profile (the demo node cml1's facts, an installation share denied to the
connection account and listable for the become account, a TCP port this test holds open and one it keeps closed),
reached by two inventory hosts, one over ``winrm`` and one over ``psrp``: the findings must be equal and the node's
log must name each run's transport.
"""

from __future__ import annotations

import base64
import json
import os
import pkgutil
import socket

import pytest
import yaml

from tests.lab import lab, windows_collection
from tests.lab.winrm_sim import PAYLOAD_SEPARATOR, SimulatedNodes

# both are installed by `make venv` (requirements.txt, requirements-test-tools.txt): never skipped, a missing one is an error
import psrpcore  # noqa: E402,F401  pylint: disable=wrong-import-position,unused-import
import pypsrp.powershell as pypsrp_powershell  # noqa: E402  pylint: disable=wrong-import-position
from pypsrp.exceptions import AuthenticationError  # noqa: E402  pylint: disable=wrong-import-position
from pypsrp.host import PSHost, PSHostUserInterface  # noqa: E402  pylint: disable=wrong-import-position
from pypsrp.wsman import WSMan  # noqa: E402  pylint: disable=wrong-import-position

FACTS = os.path.join(lab.REPO_ROOT, 'tests', 'lab', 'demo', 'nodes', 'cml1.yml')
# The real bootstrap of the installed ansible-core: the script Ansible's psrp plugin runs in the pool for a module.
BOOTSTRAP = pkgutil.get_data('ansible.executor.powershell', 'bootstrap_wrapper.ps1').decode('utf-8')
SHARE = '\\\\files.lab.test\\safeq-install'
BECOME_USER = 'LAB\\safeq-share'
ECHO_SOURCE = '#!powershell\n#AnsibleRequires -CSharpUtil Ansible.Basic\n$spec = @{ supports_check_mode = $true }\n'


def _payload(args, module='sim_echo'):
    """An exec wrapper payload laid out as ansible-core lays it out (module_manifest)."""
    script = 'ansible_collections.safeq.preflight.plugins.modules.%s.ps1' % module
    manifest = {'scripts': {script: {'path': '/x/%s.ps1' % module, 'script': base64.b64encode(ECHO_SOURCE.encode()).decode()},
                            'module_wrapper.ps1': {'path': '', 'script': ''}},
                'actions': [{'name': 'module_wrapper.ps1', 'secure_params': {}, 'params': {
                    'Script': script, 'Environment': {}, 'ForModule': True,
                    'Variables': [{'Name': 'complex_args', 'Value': dict(args, _ansible_check_mode=False), 'Scope': 'Global'}]}}],
                'signed_hashlist': []}
    bootstrap = {'name': 'exec_wrapper', 'script': '# exec_wrapper.ps1', 'params': {'MinOSVersion': None, 'MinPSVersion': None}}
    return json.dumps(bootstrap).encode() + PAYLOAD_SEPARATOR + json.dumps(manifest).encode()


def _profile(tmp_path, name, address, probes=None, faults=None):
    with open(FACTS, encoding='utf-8') as handle:
        good = yaml.safe_load(handle)['probes']
    denied = dict(good['win_server_facts'], share={'path': SHARE, 'exists': False, 'listable': False, 'error': 'Access is denied.',
                                                   'hresult': -2147024891, 'category': 'PermissionDenied'})
    listable = {'share': {'path': SHARE, 'exists': True, 'listable': True, 'error': None, 'hresult': None, 'category': None}}
    profile = {'name': name, 'address': address, 'port': 0, 'credentials': {'username': 'LAB\\tester', 'password': 'Psrp-Secret-' + name},
               'faults': faults or {}, 'probes': probes or dict(good, win_server_facts=denied, sim_echo={'node': name}),
               'become_users': {BECOME_USER: {'password': 'Share-Secret-2', 'probes': {'win_server_facts': listable}}}}
    path = tmp_path / (name + '.yml')
    path.write_text(yaml.safe_dump(profile, allow_unicode=True))
    return str(path)


def _pool(nodes, name, password=None):
    address = nodes.addresses[name]
    connection = WSMan(address['host'], port=address['port'], username='LAB\\tester', password=password or 'Psrp-Secret-' + name,
                       ssl=False, auth='basic', encryption='never', cert_validation=False, operation_timeout=10, read_timeout=15)
    host = PSHost(None, None, False, 'test host', None, PSHostUserInterface(), None)
    return pypsrp_powershell.RunspacePool(connection, host=host), host


def _invoke(pool, script, lines=None):
    shell = pypsrp_powershell.PowerShell(pool)
    shell.add_script(script)
    output = shell.invoke(input=lines)
    return output, shell


def test_pypsrp_runspace_pool_runs_the_bootstrap_and_gets_exit_json(tmp_path):
    """pypsrp opens a Runspace Pool (creationXml with SESSION_CAPABILITY and INIT_RUNSPACEPOOL), runs the real
    bootstrap as a pipeline with the payload as input lines, and reads ExitJson from the output stream; a script that
    is not the bootstrap gets an error record and exit code 1 (SetShouldExit); input larger than one envelope
    arrives whole over several Send messages."""
    big = 'x' * 400000  # > the 153600-byte envelope pypsrp starts with: the input spans several fragments and Sends
    with SimulatedNodes([_profile(tmp_path, 'p1', '127.0.0.141')], log_path=str(tmp_path / 'log.jsonl')) as nodes:
        pool, host = _pool(nodes, 'p1')
        with pool:
            output, shell = _invoke(pool, BOOTSTRAP, _payload({'bind_password': 's3cr3t', 'x': 1}).decode().splitlines())
            assert not shell.had_errors and not shell.streams.error and host.rc is None
            assert [json.loads(line) for line in output] == [
                {'changed': False, 'facts': {'node': 'p1'}, 'invocation': {'module_args': {'bind_password': 's3cr3t', 'x': 1}}}]
            output, shell = _invoke(pool, BOOTSTRAP, _payload({'blob': big}).decode().splitlines())
            assert json.loads(output[0])['invocation']['module_args']['blob'] == big
            output, shell = _invoke(pool, 'Get-ChildItem C:\\')
            assert output == [] and host.rc == 1 and "not Ansible's PowerShell bootstrap" in str(shell.streams.error[0])
        log = nodes.commands('p1')
    assert [(entry['module'], entry['transport']) for entry in log] == [('sim_echo', 'psrp'), ('sim_echo', 'psrp'), (None, 'psrp')]
    assert log[0]['params'] == {'bind_password': '********', 'x': 1}
    with open(str(tmp_path / 'log.jsonl'), encoding='utf-8') as handle:
        assert 's3cr3t' not in handle.read()


def test_pypsrp_with_wrong_credentials_is_refused(tmp_path):
    with SimulatedNodes([_profile(tmp_path, 'p2', '127.0.0.142')]) as nodes:
        pool, dummy = _pool(nodes, 'p2', password='wrong')
        with pytest.raises(AuthenticationError):
            pool.open()
        assert nodes.commands('p2') == []


@pytest.fixture(scope='module')
def windows_collections():
    """ansible.windows, extracted from the PyPI wheel (ansible-core runs async_status with it on Windows)."""
    return windows_collection.ensure()


@pytest.fixture()
def ports():
    """A TCP port held open (a listener this test owns) and one kept closed, on an address no node uses."""
    address = '127.0.0.149'
    held = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    held.bind((address, 0))
    held.listen(16)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((address, 0))
        closed = probe.getsockname()[1]
    try:
        yield address, held.getsockname()[1], closed
    finally:
        held.close()


def _play(tmp_path, hosts, tasks, windows_collections):
    return lab.run_node_tasks(str(tmp_path), hosts, tasks, [windows_collections])


def _verdicts(result):
    return sorted((f['id'], f['status'], f['reason']) for f in result['findings'])


def test_gathers_over_psrp_with_become_and_async_equal_the_winrm_run(tmp_path, windows_collections, ports):
    """One node, two inventory hosts (winrm, psrp). With become (runas, the share account's password) the share is
    listable on both; server_check, windows_feature_check and port_check (win_port_probe on the node) give the same
    findings; server_check with async + poll: 0 is polled with async_status to the profile's facts over both."""
    address, held, closed = ports
    path = _profile(tmp_path, 'dual', '127.0.0.145', faults={'job_seconds': 2})
    become = {'ansible_become': True, 'ansible_become_method': 'runas', 'ansible_become_user': BECOME_USER,
              'ansible_become_password': 'Share-Secret-2'}
    targets = [{'host': address, 'port': held, 'entry': 'net.other.tcp-4100', 'expect': 'open'},
               {'host': address, 'port': closed, 'entry': 'net.other.tcp-4100', 'expect': 'closed', 'resets': True}]
    jid = '{{ job.ansible_job_id }}'
    tasks = [
        {'name': 'server', 'safeq.preflight.server_check': {'share': SHARE}, 'register': 'server'},
        {'name': 'features', 'safeq.preflight.windows_feature_check': {}, 'register': 'features'},
        {'name': 'ports', 'safeq.preflight.port_check': {'targets': targets}, 'register': 'ports'},
        {'name': 'background', 'safeq.preflight.server_check': {'share': SHARE}, 'async': 60, 'poll': 0, 'register': 'job'},
        {'name': 'poll', 'ansible.builtin.async_status': {'jid': jid}, 'register': 'done', 'until': 'done.finished',
         'retries': 20, 'delay': 1},
        {'name': 'clean up', 'ansible.builtin.async_status': {'jid': jid, 'mode': 'cleanup'}, 'register': 'cleanup'},
    ]
    with SimulatedNodes([path]) as nodes:
        hosts = {}
        for connection in ('winrm', 'psrp'):
            host = dict(nodes.inventory(connection=connection)['all']['children']['safeq_nodes']['hosts']['dual'], **become)
            hosts['via_' + connection] = host
        proc, results = _play(tmp_path, hosts, tasks, windows_collections)
        log = nodes.commands('dual')
    winrm, psrp = results['via_winrm'], results['via_psrp']
    assert not psrp['server'].get('failed'), proc.stdout[-4000:]
    share = next(f for f in psrp['server']['findings'] if f['id'] == 'server.shared-folder')
    assert (share['status'], share['reason']) == ('pass', 'share-listable'), 'the become account reads the share'
    for name in ('server', 'features', 'ports'):
        assert _verdicts(psrp[name]) == _verdicts(winrm[name]), name
    ports_seen = {(row['port'], row['state']) for row in psrp['ports']['results']}
    assert ports_seen == {(held, 'open'), (closed, 'closed')}
    for result in (winrm, psrp):
        assert result['job']['started'] and not result['job']['finished'] and 'findings' not in result['job']
        assert result['done']['finished'] and result['done']['facts']['share']['listable'] is True
        assert result['cleanup']['erased'] == result['job']['results_file']
    transports = {entry['transport'] for entry in log}
    assert transports == {'winrm', 'psrp'}
    by_transport = {t: [entry for entry in log if entry['transport'] == t] for t in transports}
    gathers = ['win_server_facts', 'win_feature_facts', 'win_port_probe', 'win_server_facts']
    for entries in by_transport.values():
        assert [entry['module'] for entry in entries][:4] == gathers
        assert all(entry['become_user'] == BECOME_USER and entry['actions'][0] == 'become_wrapper.ps1' for entry in entries)
        assert 'async_wrapper.ps1' in entries[3]['actions'] and entries[3]['async_jid']
        assert {entry['module'] for entry in entries[4:]} == {'async_status'}
    assert 'Share-Secret-2' not in proc.stdout + proc.stderr and 'Psrp-Secret' not in proc.stdout + proc.stderr


def test_faults_and_check_mode_through_ansibles_psrp_connection(tmp_path, windows_collections):
    """What the WinRM tests show for faults, over psrp: a refused logon or connection is unreachable, a module that
    exits 1 with an error record and one that prints no JSON become error findings with the node's message, a slow
    answer still succeeds, and under --check the module runs (not skipped) and changes nothing."""
    with open(FACTS, encoding='utf-8') as handle:
        good = yaml.safe_load(handle)['probes']
    profiles = [_profile(tmp_path, name, address, probes=good, faults=faults) for name, address, faults in (
        ('ok', '127.0.0.151', {}), ('badcreds', '127.0.0.152', {'bad_credentials': True}),
        ('refused', '127.0.0.153', {'refuse_connections': True}), ('slow', '127.0.0.154', {'delay_seconds': 2}),
        ('garbage', '127.0.0.155', {'garbage_stdout': True}),
        ('crash', '127.0.0.156', {'exit_code': 1, 'stderr_clixml': 'Get-CimInstance : Access denied <WMI>'}))]
    tasks = [{'name': 'gather', 'safeq.preflight.server_check': {}, 'register': 'out', 'ignore_errors': True,
              'ignore_unreachable': True}]
    with SimulatedNodes(profiles) as nodes:
        hosts = nodes.inventory(connection='psrp')['all']['children']['safeq_nodes']['hosts']
        proc, results = _play(tmp_path, hosts, tasks, windows_collections)
        counts = {name: len(nodes.commands(name)) for name in nodes.nodes}
        dummy, checked = _play(tmp_path, {'ok': hosts['ok']}, [dict(tasks[0], check_mode=True)], windows_collections)
        log = nodes.commands('ok')
    out = {name: result['out'] for name, result in results.items()}
    assert not out['ok'].get('failed') and 'pass' in {f['status'] for f in out['ok']['findings']}, proc.stdout[-3000:]
    assert out['badcreds'].get('unreachable') is True and out['refused'].get('unreachable') is True
    assert not out['slow'].get('failed') and out['slow']['facts']['user'] == good['win_server_facts']['user']
    assert out['garbage']['failed'] and 'printed no JSON' in out['garbage']['msg']
    assert out['crash']['failed'] and out['crash']['rc'] == 1 and 'Access denied <WMI>' in out['crash']['msg']
    for name in ('garbage', 'crash'):
        assert {f['status'] for f in out[name]['findings']} == {'error'}
    assert counts['badcreds'] == counts['refused'] == 0 and counts['ok'] == 1
    assert not checked['ok']['out'].get('skipped') and checked['ok']['out']['changed'] is False and checked['ok']['out']['findings']
    assert [(entry['transport'], entry['check_mode']) for entry in log] == [('psrp', False), ('psrp', True)]
    assert 'Psrp-Secret' not in proc.stdout + proc.stderr
