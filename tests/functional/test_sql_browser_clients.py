# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The SQL Browser responder (a simulation) proven against independent clients, and sql_browser_probe end to end.

impacket getInstances, FreeTDS tsql -LH and nmap -sU -sV must decode the same instances as our parser;
then the module runs through ansible-playbook from the controller and from a simulated Windows node.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest
import yaml

from tests.lab import lab
from tests.lab.collection import sql_probe, ssrp
from tests.lab.sql_responder import SqlBrowserResponder
from tests.lab.winrm_sim import SimulatedNodes

ADDRESS = '127.0.0.24'
INSTANCES = [
    {'name': 'SAFEQ', 'server_name': 'SQLLAB', 'version': '15.0.2000.5', 'dac_port': 1435, 'tds': {'version': (15, 0, 2000), 'encryption': 2}},
    {'name': 'MSSQLSERVER', 'server_name': 'SQLLAB', 'version': '16.0.1000.6', 'np': '\\\\SQLLAB\\pipe\\sql\\query'},
    {'name': 'EXPRESS', 'server_name': 'SQLLAB', 'version': '15.0.2000.5', 'tcp': False},
]


def _tool(name):
    path = shutil.which(name)
    if path is None:
        pytest.fail('%s is not installed (make system-deps installs it)' % name)
    return path


@pytest.fixture(scope='module')
def responder():
    with SqlBrowserResponder(ADDRESS, 1434, INSTANCES) as server:
        yield server


def _ours():
    obs = sql_probe.run_probe(sql_probe.posix_exchange, ADDRESS, 'SAFEQ', 2.0)
    return {i['instance_name']: i for i in obs['instances']}


def test_impacket_decodes_the_same_instances(responder):
    tds = pytest.importorskip('impacket.tds')
    theirs = {i['InstanceName']: i for i in tds.MSSQL(ADDRESS).getInstances(5)}
    ours = _ours()
    assert set(theirs) == set(ours) == {'SAFEQ', 'MSSQLSERVER', 'EXPRESS'}
    for name, instance in ours.items():
        assert theirs[name].get('tcp') == (str(instance['tcp_port']) if instance['tcp_port'] else None)
        assert theirs[name]['Version'] == instance['version']


def test_impacket_misparses_empty_bv_values_where_ours_does_not():
    instances = [{'name': 'SQL2K', 'server_name': 'OLD', 'version': '8.00.194', 'bv': ['', '', ''], 'tcp': False},
                 {'name': 'NEXT', 'server_name': 'OLD', 'version': '8.00.194', 'tcp': False}]
    with SqlBrowserResponder('127.0.0.25', 1434, instances):
        ours = sql_probe.run_probe(sql_probe.posix_exchange, '127.0.0.25', 'NEXT', 2.0)['instances']
        tds = pytest.importorskip('impacket.tds')
        try:
            theirs = [i.get('InstanceName') for i in tds.MSSQL('127.0.0.25').getInstances(5)]
        except (IndexError, KeyError, ValueError) as exc:  # impacket splits on ";;" and cannot pair the fields
            theirs = 'impacket failed: %r' % exc
    assert [i['instance_name'] for i in ours] == ['SQL2K', 'NEXT']
    assert theirs != ['SQL2K', 'NEXT'], 'impacket is known to mis-parse empty bv values; if it no longer does, update docs/sql-browser-probe.md'


def test_freetds_tsql_decodes_the_same_instances(responder):
    proc = subprocess.run([_tool('tsql'), '-LH', ADDRESS], capture_output=True, text=True, timeout=60, check=False)
    text = proc.stdout + proc.stderr
    blocks = {}
    for block in text.split('ServerName')[1:]:
        fields = dict(line.strip().split(None, 1) for line in ('ServerName' + block).strip().splitlines() if len(line.split(None, 1)) == 2)
        blocks[fields['InstanceName']] = fields
    ours = _ours()
    assert set(blocks) == set(ours)
    for name, instance in ours.items():
        assert blocks[name].get('tcp') == (str(instance['tcp_port']) if instance['tcp_port'] else None)


def test_nmap_decodes_the_same_browser_reply(responder):
    proc = subprocess.run([_tool('nmap'), '-Pn', '-n', '-sU', '-sV', '-p', '1434', ADDRESS, '-oX', '-'],
                          capture_output=True, text=True, timeout=180, check=False)
    service = ET.fromstring(proc.stdout).find('.//port/service')
    assert service.get('name') == 'ms-sql-m'
    ours = _ours()
    # nmap reports the first record of the reply: the same version, server name and TCP port we parse
    first = ours['SAFEQ']
    assert service.get('version') == first['version']
    assert 'ServerName: SQLLAB' in service.get('extrainfo') and 'TCPPort: %d' % first['tcp_port'] in service.get('extrainfo')


@pytest.mark.parametrize('mode, message', [
    ('wrong_type', 'not SVR_RESP'), ('size_too_big', 'truncated reply'), ('truncated', 'truncated reply'),
    ('size_too_small', 'does not end with'),
])
def test_broken_browser_replies_are_errors_not_passes(mode, message):
    with SqlBrowserResponder('127.0.0.26', 1434, INSTANCES[:1], mode=mode):
        obs = sql_probe.run_probe(sql_probe.posix_exchange, '127.0.0.26', 'SAFEQ', 1.0)
    findings = sql_probe.evaluate(obs)
    assert [(f['status'], f['reason']) for f in findings] == [('error', 'malformed-reply'), ('error', 'browser-unavailable')]
    assert message in findings[0]['detail']


def test_oversize_and_non_ascii_replies_still_parse():
    with SqlBrowserResponder('127.0.0.26', 1434, INSTANCES[:1], mode='oversize'):
        obs = sql_probe.run_probe(sql_probe.posix_exchange, '127.0.0.26', 'SAFEQ', 1.0)
    assert len(obs['instances']) == 61 and obs['matched']['instance_name'] == 'SAFEQ'
    with SqlBrowserResponder('127.0.0.26', 1434, INSTANCES[:1], mode='non_ascii'):
        obs = sql_probe.run_probe(sql_probe.posix_exchange, '127.0.0.26', 'SAFEQ', 1.0)
    assert obs['instances'][0]['server_name'] == 'S\xc9RV\xd8R' and any('non-ASCII' in n for n in obs['notes'])


def _playbook(tmp_path, hosts, task_args, extra_vars=None, delegate=False):
    playbook = tmp_path / 'sql.yml'
    task = {'name': 'probe', 'safeq.preflight.sql_browser_probe': task_args, 'register': 'out', 'ignore_errors': True}
    if delegate:
        task['delegate_to'] = 'localhost'
    playbook.write_text(yaml.safe_dump([
        {'name': 'probe', 'hosts': 'safeq_nodes', 'gather_facts': False, 'tasks': [task]},
        {'name': 'collect', 'hosts': 'localhost', 'gather_facts': False, 'tasks': [{'name': 'save', 'check_mode': False, 'ansible.builtin.copy': {
            'dest': str(tmp_path / 'out.json'),
            'content': "{{ dict(groups.safeq_nodes | zip(groups.safeq_nodes | map('extract', hostvars, 'out'))) | to_json }}"}}]}]))
    inventory = lab.write_inventory(str(tmp_path / 'inv.yml'), hosts, extra_vars)
    proc = lab.run_playbook(str(tmp_path), inventory, playbook=str(playbook), args=['--check'])
    assert (tmp_path / 'out.json').exists(), proc.stdout[-3000:] + proc.stderr[-2000:]
    return proc, json.loads((tmp_path / 'out.json').read_text())


def test_module_from_the_controller_in_check_mode(responder, tmp_path):
    hosts = {'ctl': {'ansible_connection': 'local', 'ansible_python_interpreter': lab.sys.executable}}
    dummy, out = _playbook(tmp_path, hosts, {'host': ADDRESS, 'instance': 'safeq', 'dac': True, 'query_instance': True, 'min_version': '13.0'})
    result = out['ctl']
    assert result['changed'] is False and not result.get('failed') and not result.get('skipped')
    assert result['instance']['instance_name'] == 'SAFEQ' and result['dac_port'] == 1435 and result['instance_confirmed'] is True
    assert result['tds']['product'] == 'SQL Server 2019' and result['tds']['encryption'] == 'not-supported'
    assert [(f['id'], f['status']) for f in result['findings']] == [('net.other.udp-1434-cml-db', 'pass'), ('net.other.tcp-dynamic-cml-db', 'pass')]
    assert result['findings'][0]['source'].startswith('Mandatory | UDP | 1434 | CML > DB')


@pytest.mark.parametrize('args, message', [
    ({'host': ADDRESS, 'instance': 'X' * 33}, "Invalid value for option 'instance'"),
    ({'host': ADDRESS, 'timeout': 0}, "Invalid value for option 'timeout': 0"),
    ({'host': 'no-such-host.invalid'}, "Invalid value for option 'host': cannot resolve 'no-such-host.invalid'"),
])
def test_bad_input_is_a_clear_message(tmp_path, args, message):
    hosts = {'ctl': {'ansible_connection': 'local', 'ansible_python_interpreter': lab.sys.executable}}
    proc, out = _playbook(tmp_path, hosts, args)
    assert out['ctl']['failed'] and message in out['ctl']['msg']
    assert 'Traceback' not in proc.stdout


def test_module_on_a_simulated_windows_node(responder, tmp_path):
    profile = {'name': 'cmlw', 'address': '127.0.0.27', 'port': 0, 'credentials': {'username': 'u', 'password': 'p-sim'},
               'probes': {'win_port_probe': {'live': True}}}
    path = tmp_path / 'cmlw.yml'
    path.write_text(yaml.safe_dump(profile))
    with SimulatedNodes([str(path)]) as nodes:
        hosts = nodes.inventory()['all']['children']['safeq_nodes']['hosts']
        dummy, out = _playbook(tmp_path, hosts, {'host': ADDRESS, 'instance': 'EXPRESS'})
        commands = nodes.commands('cmlw')
    result = out['cmlw']
    assert [(f['status'], f['reason']) for f in result['findings']] == [('pass', 'browser-answered'), ('fail', 'tcp-disabled')]
    assert [c['module'] for c in commands] == ['win_port_probe'], 'one WinRM command for the Browser and TDS exchanges'
    assert ssrp.DEFAULT_INSTANCE == 'MSSQLSERVER'
