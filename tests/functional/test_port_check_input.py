# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""port_check through ansible-playbook: bad input is a clear message, never a traceback, and the SNMP
community stays out of the output at -vvvv, from the controller and from a simulated Windows node."""

from __future__ import annotations

import json

import pytest
import yaml

from tests.lab import lab
from tests.lab.winrm_sim import SimulatedNodes

SECRET = 'S3cret-c0mmunity'


def _run(tmp_path, task_args, verbosity=()):
    profile = tmp_path / 'cmlw.yml'
    profile.write_text(yaml.safe_dump({'name': 'cmlw', 'address': '127.0.0.42', 'port': 0, 'credentials': {'username': 'u', 'password': 'p-sim'},
                                       'probes': {'win_port_probe': {'live': True}}}))
    playbook = tmp_path / 'ports.yml'
    playbook.write_text(yaml.safe_dump([
        {'name': 'probe', 'hosts': 'safeq_nodes', 'gather_facts': False, 'tasks': [
            {'name': 'ports', 'safeq.preflight.port_check': task_args, 'register': 'out', 'ignore_errors': True}]},
        {'name': 'collect', 'hosts': 'localhost', 'gather_facts': False, 'tasks': [{'name': 'save', 'check_mode': False, 'ansible.builtin.copy': {
            'dest': str(tmp_path / 'out.json'),
            'content': "{{ dict(groups.safeq_nodes | zip(groups.safeq_nodes | map('extract', hostvars, 'out'))) | to_json }}"}}]}]))
    with SimulatedNodes([str(profile)]) as nodes:
        hosts = dict(nodes.inventory()['all']['children']['safeq_nodes']['hosts'])
        hosts['ctl'] = {'ansible_connection': 'local', 'ansible_python_interpreter': lab.sys.executable}
        inventory = lab.write_inventory(str(tmp_path / 'inv.yml'), hosts)
        proc = lab.run_playbook(str(tmp_path), inventory, playbook=str(playbook), args=['--check'] + list(verbosity))
        commands = nodes.commands('cmlw')
    assert (tmp_path / 'out.json').exists(), proc.stdout[-3000:] + proc.stderr[-2000:]
    return proc, json.loads((tmp_path / 'out.json').read_text()), commands


@pytest.mark.parametrize('args, message', [
    ({'targets': []}, 'targets: the list is empty'),
    ({'targets': [{'host': '127.0.0.1', 'port': 0}]}, 'targets[0].port: 0 is outside 1-65535'),
    ({'targets': [{'host': '127.0.0.1', 'port': '9000-8000'}]}, "targets[0].port: range '9000-8000' is reversed"),
    ({'targets': [{'host': '127.0.0.1', 'port': 80, 'proto': 'sctp'}]}, 'proto'),
    ({'targets': [{'host': '127.0.0.1', 'port': 80, 'probe': 'snmp'}]}, "targets[0].probe: 'snmp' is not a tcp probe"),
    ({'targets': [{'host': '127.0.0.1', 'port': '1-5000'}]}, 'more than 4096 probes'),
    ({'targets': [{'host': '127.0.0.1', 'port': 80, 'entry': 'net.no-such-row'}]}, "targets[].entry: 'net.no-such-row' not in the catalogue"),
    ({'targets': [{'host': '127.0.0.1', 'port': 80}], 'timeout': 0}, "Invalid value for option 'timeout': 0.0 is outside 0.05-60"),
])
def test_bad_input_is_a_clear_message_before_any_probe(tmp_path, args, message):
    proc, out, commands = _run(tmp_path, args)
    for host in ('ctl', 'cmlw'):
        assert out[host]['failed'] and message in out[host]['msg'], (host, out[host].get('msg'))
    assert 'Traceback' not in proc.stdout + proc.stderr
    assert commands == [], 'nothing is sent to the node when the input is bad'


def test_the_snmp_community_never_appears_in_output_at_vvvv(tmp_path):
    args = {'targets': [{'host': '127.0.0.1', 'port': 1, 'proto': 'udp', 'probe': 'snmp'}, {'host': '127.0.0.1', 'port': 1}],
            'snmp_community': SECRET, 'timeout': 0.3, 'retries': 0}
    proc, out, commands = _run(tmp_path, args, verbosity=['-vvvv'])
    for host in ('ctl', 'cmlw'):
        assert [(r['state'], r['reason']) for r in out[host]['results']] == [('closed', 'icmp-port-unreachable'), ('closed', 'conn-refused')]
    assert len(commands) == 1 and SECRET not in json.dumps(commands)
    assert SECRET not in proc.stdout + proc.stderr and SECRET not in json.dumps(out)
