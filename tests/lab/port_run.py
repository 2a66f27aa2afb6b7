# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run port_check through ansible-playbook from inside a network namespace, from two places at once.

``ctl`` is the controller itself (the module's Python engine); ``cmlw`` is a simulated Windows node
whose win_port_probe module answers come from live probes made from this namespace. Both run the same task
in ``--check`` mode; their results go to ``OUT/out.json`` and the WinRM commands to ``OUT/commands.json``.

Usage: ``python -m tests.lab.port_run --task task.json --out DIR`` (run with ``ip netns exec``).
"""

from __future__ import annotations

import argparse
import json
import os

import yaml

from tests.lab import lab
from tests.lab.winrm_sim import SimulatedNodes


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--task', required=True, help='JSON file with the port_check arguments')
    parser.add_argument('--out', required=True)
    args = parser.parse_args()
    with open(args.task, encoding='utf-8') as handle:
        task_args = json.load(handle)
    out = args.out
    profile = os.path.join(out, 'cmlw.yml')
    with open(profile, 'w', encoding='utf-8') as handle:
        yaml.safe_dump({'name': 'cmlw', 'address': '127.0.0.41', 'port': 0, 'credentials': {'username': 'u', 'password': 'p-sim'},
                        'probes': {'win_port_probe': {'live': True}}}, handle)
    playbook = os.path.join(out, 'ports.yml')
    with open(playbook, 'w', encoding='utf-8') as handle:
        yaml.safe_dump([
            {'name': 'probe', 'hosts': 'safeq_nodes', 'gather_facts': False, 'tasks': [
                {'name': 'ports', 'safeq.preflight.port_check': task_args, 'register': 'out', 'ignore_errors': True}]},
            {'name': 'collect', 'hosts': 'localhost', 'gather_facts': False, 'tasks': [{'name': 'save', 'check_mode': False, 'ansible.builtin.copy': {
                'dest': os.path.join(out, 'out.json'),
                'content': "{{ dict(groups.safeq_nodes | zip(groups.safeq_nodes | map('extract', hostvars, 'out'))) | to_json }}"}}]}], handle)
    with SimulatedNodes([profile]) as nodes:
        hosts = dict(nodes.inventory()['all']['children']['safeq_nodes']['hosts'])
        hosts['ctl'] = {'ansible_connection': 'local', 'ansible_python_interpreter': lab.sys.executable}
        inventory = lab.write_inventory(os.path.join(out, 'inv.yml'), hosts)
        proc = lab.run_playbook(out, inventory, playbook=playbook, args=['--check'])
        with open(os.path.join(out, 'commands.json'), 'w', encoding='utf-8') as handle:
            json.dump(nodes.commands('cmlw'), handle)
    with open(os.path.join(out, 'playbook.log'), 'w', encoding='utf-8') as handle:
        handle.write(proc.stdout + proc.stderr)


if __name__ == '__main__':
    main()
