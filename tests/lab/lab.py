# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers to run the collection's playbooks against a local lab (used by make demo and the tests).

Nothing here is part of the collection: it builds a collections path that points at this source
tree, writes an inventory for the simulated nodes, and runs ansible-playbook in a subprocess.
"""

from __future__ import annotations

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
