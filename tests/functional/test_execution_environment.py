# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The execution environment: ansible-builder creates the build context from docs/ee/execution-environment.yml, and
reads the collection's meta/execution-environment.yml the way it does inside an image build (introspect). No image is built.
"""

from __future__ import annotations

import os
import subprocess

import pytest
import yaml

from tests.lab import lab

BUILDER = os.path.join(lab.VENV_BIN, 'ansible-builder')
EE = os.path.join(lab.REPO_ROOT, 'docs', 'ee', 'execution-environment.yml')


def _builder(*args):
    if not os.path.exists(BUILDER):
        pytest.fail('ansible-builder is not installed (it is in requirements-test-tools.txt)')
    return subprocess.run([BUILDER] + list(args), capture_output=True, text=True, timeout=300, check=False)


def _requirement_lines(name):
    with open(os.path.join(lab.REPO_ROOT, name), encoding='utf-8') as handle:
        return [line.split('#')[0].strip() for line in handle if line.split('#')[0].strip()]


def test_ansible_builder_creates_the_build_context(tmp_path):
    proc = _builder('create', '-f', EE, '-c', str(tmp_path / 'context'), '--output-filename', 'Containerfile')
    assert proc.returncode == 0, proc.stdout + proc.stderr
    containerfile = (tmp_path / 'context' / 'Containerfile').read_text()
    assert 'ansible-galaxy collection install' in containerfile and 'introspect' in containerfile
    with open(tmp_path / 'context' / '_build' / 'requirements.yml', encoding='utf-8') as handle:
        assert 'safeq.preflight' in [item['name'] for item in yaml.safe_load(handle)['collections']]


def test_the_collection_declares_its_dependencies_to_ansible_builder(tmp_path):
    with open(os.path.join(lab.REPO_ROOT, 'meta', 'execution-environment.yml'), encoding='utf-8') as handle:
        meta = yaml.safe_load(handle)
    for path in meta['dependencies'].values():
        assert os.path.isfile(os.path.join(lab.REPO_ROOT, path)), path
    proc = _builder('introspect', '--sanitize', lab.collections_path(str(tmp_path)))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = yaml.safe_load(proc.stdout)
    python = [line.split('#')[0].strip() for line in data['python']]
    expected = [line for line in _requirement_lines(meta['dependencies']['python']) if not line.startswith('ansible-core')]
    assert python == expected
    assert [line.split('#')[0].strip() for line in data['system']] == _requirement_lines(meta['dependencies']['system'])
