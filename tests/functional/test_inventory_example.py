# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shipped inventory.example passes the collection's own validation (the validate role, in ansible-playbook).

Only the controller runs: the validate role contacts no node. The vault variables the example references are
supplied by an extra-vars file, as a user would with -e @vault.yml.
"""

from __future__ import annotations

import os
import subprocess

import yaml

from tests.lab import lab

EXAMPLE = os.path.join(lab.REPO_ROOT, 'inventory.example')
PLAYBOOK = '''- name: Validate the example
  hosts: localhost
  gather_facts: false
  roles:
    - role: safeq.preflight.validate
  tasks:
    - name: Show what was validated
      ansible.builtin.debug:
        msg: "{{ validate_result.msg }}"
'''
VAULT = {'vault_safeq_install_password': 'Example-Install-Secret-1', 'vault_safeq_ldap_bind_password': 'Example-Bind-Secret-2'}


def _validate(tmp_path, inventory_text):
    inventory = tmp_path / 'inventory.yml'
    inventory.write_text(inventory_text)
    playbook = tmp_path / 'validate.yml'
    playbook.write_text(PLAYBOOK)
    vault = tmp_path / 'vault.yml'
    vault.write_text(yaml.safe_dump(VAULT))
    env = lab.ansible_env(str(tmp_path))
    command = [os.path.join(lab.VENV_BIN, 'ansible-playbook'), '-i', str(inventory), '-e', '@%s' % vault, str(playbook)]
    return subprocess.run(command, env=env, cwd=str(tmp_path), capture_output=True, text=True, timeout=300, check=False)


def test_inventory_example_passes_validation_as_shipped(tmp_path):
    with open(EXAMPLE, encoding='utf-8') as handle:
        text = handle.read()
    proc = _validate(tmp_path, text)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    document = yaml.safe_load(text)
    nodes = document['all']['children']['safeq_nodes']['children']
    features = document['all']['vars']['safeq_features']
    assert 'Input is valid: %d feature(s)' % len(features) in proc.stdout
    assert '%d node(s)' % sum(len(group['hosts']) for group in nodes.values()) in proc.stdout
    assert {name: len(group['hosts']) for name, group in nodes.items()} == {'cml': 3, 'ors': 1, 'crs': 1}
    assert len(document['all']['vars']['safeq_peers']['printer']) >= 2
    for feature in ('cluster', 'external_db', 'ldap_replication', 'network_install'):
        assert feature in features
    for secret in VAULT.values():
        assert secret not in text and secret not in proc.stdout
    assert '{{ vault_safeq_ldap_bind_password }}' in text and '{{ vault_safeq_install_password }}' in text


def test_the_same_inventory_without_the_directory_variables_is_refused(tmp_path):
    with open(EXAMPLE, encoding='utf-8') as handle:
        document = yaml.safe_load(handle)
    del document['all']['vars']['safeq_ldap_base_dns']
    proc = _validate(tmp_path, yaml.safe_dump(document))
    assert proc.returncode != 0
    assert "safeq_ldap_servers and safeq_ldap_base_dns: not set for host cml1.example.com" in proc.stdout
