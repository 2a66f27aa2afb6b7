# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The SafeQ server roles are written once (``_catalogue.SERVER_ROLES``): every role variable, module option and filter
option that takes a server role documents exactly those choices, so a new role cannot be added in one place only."""

from __future__ import annotations

import importlib
import os
import re

import pytest
import yaml

from ansible_collections.safeq.preflight.plugins.plugin_utils import _catalogue, _doc_spec, _inputs

ROOT = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..')


def _documented_options(kind, name):
    doc = importlib.import_module('ansible_collections.safeq.preflight.plugins.%s.%s' % (kind, name)).DOCUMENTATION
    return yaml.safe_load(doc).get('options') or {}


def _plugins(kind):
    folder = os.path.join(ROOT, 'plugins', kind)
    return sorted(name[:-3] for name in os.listdir(folder) if name.endswith('.py') and not name.startswith('_'))


def test_the_role_variable_offers_exactly_the_catalogue_roles():
    spec = _inputs.role_specs()['safeq_server_role']
    assert tuple(spec['choices']) == _catalogue.SERVER_ROLES


@pytest.mark.parametrize('kind', ['modules', 'filter'])
def test_every_server_role_option_offers_exactly_the_catalogue_roles(kind):
    found = []
    for name in _plugins(kind):
        options = _documented_options(kind, name)
        if 'server_role' in options:
            found.append(name)
            assert tuple(options['server_role'].get('choices') or ()) == _catalogue.SERVER_ROLES, name
    assert found, 'no %s documents a server_role option: the test would hold nothing' % kind


def test_the_action_plugins_read_the_same_choices():
    assert tuple(_doc_spec.argument_spec('windows_feature_check')['server_role']['choices']) == _catalogue.SERVER_ROLES


def test_a_role_task_that_lists_the_server_roles_lists_exactly_them():
    """The network role names the server roles as listener sources (the other nodes, ORS and CRS probe a node's inbound
    ports): a list literal there that names one server role must name all of them, in the catalogue's order."""
    found = []
    roles = os.path.join(ROOT, 'roles')
    for role in sorted(os.listdir(roles)):
        text = ''
        for part in ('tasks', 'vars'):
            folder = os.path.join(roles, role, part)
            for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else ():
                with open(os.path.join(folder, name), encoding='utf-8') as handle:
                    text += handle.read()
        for literal in re.findall(r"\[[^\[\]]*'(?:%s)'[^\[\]]*\]" % '|'.join(_catalogue.SERVER_ROLES), text):
            found.append(role)
            assert tuple(re.findall(r"'([^']*)'", literal)) == _catalogue.SERVER_ROLES, (role, literal)
    assert found == ['network'], 'the network role lists the server roles once; a new list elsewhere is checked here too'
