# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers to run the collection's playbooks against a local lab (used by make demo and the tests).

Nothing here is part of the collection: it builds a collections path that points at this source
tree, writes an inventory for the simulated nodes, and runs ansible-playbook in a subprocess.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import yaml

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOKS = os.path.join(REPO_ROOT, 'playbooks')
VENV_BIN = os.path.dirname(sys.executable)


def collections_path(run_dir):
    """A collections path in ``run_dir`` whose safeq.preflight is this source tree (a symlink)."""
    base = os.path.join(run_dir, 'collections')
    link = os.path.join(base, 'ansible_collections', 'safeq', 'preflight')
    os.makedirs(os.path.dirname(link), exist_ok=True)
    if not os.path.islink(link):
        os.symlink(REPO_ROOT, link)
    return base


def write_inventory(path, node_hosts, all_vars=None, group='safeq_nodes'):
    """Write a YAML inventory: ``node_hosts`` maps host name -> host vars (connection included)."""
    inventory = {'all': {'vars': dict(all_vars or {}), 'children': {group: {'hosts': dict(node_hosts)}}}}
    with open(path, 'w', encoding='utf-8') as handle:
        yaml.safe_dump(inventory, handle, sort_keys=False)
    return path


def ansible_env(run_dir, extra=None):
    """Environment for ansible-playbook runs against the lab."""
    env = dict(os.environ)
    env.update({
        'ANSIBLE_COLLECTIONS_PATH': collections_path(run_dir),
        'ANSIBLE_LOCALHOST_WARNING': 'False',
        'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'False',
        'ANSIBLE_NOCOWS': '1',
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_RETRY_FILES_ENABLED': 'False',
        'ANSIBLE_LOCAL_TEMP': os.path.join(run_dir, 'tmp'),
        'PATH': VENV_BIN + os.pathsep + env.get('PATH', ''),
    })
    env.update(extra or {})
    return env


def run_playbook(run_dir, inventory, playbook='preinstall_check.yml', args=(), extra_env=None, capture=True, timeout=600):
    """Run one of the collection's playbooks; returns the CompletedProcess."""
    command = [os.path.join(VENV_BIN, 'ansible-playbook'), '-i', inventory, os.path.join(PLAYBOOKS, playbook)] + list(args)
    return subprocess.run(command, env=ansible_env(run_dir, extra_env), cwd=run_dir, check=False, timeout=timeout,
                          capture_output=capture, text=True)


def run_node_tasks(run_dir, hosts, tasks, extra_collections=()):
    """Run ``tasks`` on the inventory hosts ``hosts`` (group ``safeq_nodes``); returns the CompletedProcess and, per
    host, the results the tasks registered (a second play writes them from hostvars: the test fails without them)."""
    inventory = write_inventory(os.path.join(run_dir, 'inventory.yml'), hosts)
    registered = sorted({task['register'] for task in tasks if 'register' in task})
    results = os.path.join(run_dir, 'results.json')
    playbook = os.path.join(run_dir, 'play.yml')
    with open(playbook, 'w', encoding='utf-8') as handle:
        yaml.safe_dump([
            {'name': 'nodes', 'hosts': 'safeq_nodes', 'gather_facts': False, 'tasks': tasks},
            {'name': 'collect', 'hosts': 'localhost', 'gather_facts': False, 'tasks': [
                {'name': 'write results', 'check_mode': False, 'ansible.builtin.copy': {
                    'dest': results,
                    'content': '{{ dict(groups.safeq_nodes | zip(groups.safeq_nodes | map("extract", hostvars) | map("dict2items") '
                               '| map("selectattr", "key", "in", %s) | map("items2dict"))) | to_json }}' % json.dumps(registered)}}]}],
            handle)
    env = {'ANSIBLE_COLLECTIONS_PATH': os.pathsep.join([collections_path(run_dir)] + list(extra_collections))}
    if os.path.exists(results):
        os.unlink(results)
    proc = run_playbook(run_dir, inventory, playbook=playbook, extra_env=env)
    assert os.path.exists(results), proc.stdout[-3000:] + proc.stderr[-2000:]
    with open(results, encoding='utf-8') as handle:
        return proc, json.load(handle)
