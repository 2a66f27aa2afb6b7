# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ansible-doc renders every module, filter and role of the collection (as users call it)."""

from __future__ import annotations

import glob
import os
import re
import subprocess

import pytest

from tests.lab import lab

MODULES = sorted(os.path.basename(p)[:-3] for p in glob.glob(os.path.join(lab.REPO_ROOT, 'plugins', 'modules', '*.py'))
                 if not os.path.basename(p).startswith('_'))
ROLES = sorted(os.path.basename(p) for p in glob.glob(os.path.join(lab.REPO_ROOT, 'roles', '*')))
FILTERS = sorted(os.path.basename(p)[:-3] for p in glob.glob(os.path.join(lab.REPO_ROOT, 'plugins', 'filter', '*.py')))


def _doc(tmp_path, *args):
    return subprocess.run([os.path.join(lab.VENV_BIN, 'ansible-doc')] + list(args), env=lab.ansible_env(str(tmp_path)),
                          capture_output=True, text=True, check=False, timeout=120)


@pytest.mark.parametrize('module', MODULES)
def test_module_documentation_renders_with_examples(module, tmp_path):
    proc = _doc(tmp_path, 'safeq.preflight.' + module)
    assert proc.returncode == 0, proc.stderr
    assert 'EXAMPLES:' in proc.stdout and 'RETURN VALUES:' in proc.stdout
    assert '[WARNING]' not in proc.stderr, proc.stderr


@pytest.mark.parametrize('name', FILTERS)
def test_filter_documentation_renders_with_examples(name, tmp_path):
    proc = _doc(tmp_path, '-t', 'filter', 'safeq.preflight.' + name)
    assert proc.returncode == 0, proc.stderr
    assert 'EXAMPLES:' in proc.stdout and 'RETURN VALUES:' in proc.stdout
    assert '[WARNING]' not in proc.stderr, proc.stderr


@pytest.mark.parametrize('role', ROLES)
def test_role_documentation_renders(role, tmp_path):
    proc = _doc(tmp_path, '-t', 'role', 'safeq.preflight.' + role)
    assert proc.returncode == 0, proc.stderr
    assert re.search(r'ENTRY POINT: \W*main\W', proc.stdout), proc.stdout[:300]


def test_every_action_plugin_has_its_documented_module():
    actions = {os.path.basename(p)[:-3] for p in glob.glob(os.path.join(lab.REPO_ROOT, 'plugins', 'action', '*.py'))}
    assert actions <= set(MODULES)
    assert len(MODULES) >= 4 and len(ROLES) >= 3
    # every filter plugin file is documented and rendered above: the list is read from the tree, never written here
    assert {'checks_selected', 'flow_findings', 'listener_ports', 'node_flows', 'node_profile', 'port_targets', 'vantage_plan'} <= set(FILTERS)
