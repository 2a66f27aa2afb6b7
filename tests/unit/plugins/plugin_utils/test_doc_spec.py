# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every action plugin takes exactly the options its module documents (types, defaults, choices, suboptions)."""

from __future__ import annotations

import importlib
import os

import pytest

from ansible_collections.safeq.preflight.plugins.plugin_utils import _doc_spec

ACTIONS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))),
                       'plugins', 'action')
SECRET_WORDS = ('password', 'community', 'secret', 'token')


def _spec(module):
    plugin = importlib.import_module('ansible_collections.safeq.preflight.plugins.action.%s' % module)
    return getattr(plugin.ActionModule, 'ARGUMENT_SPEC', None) or getattr(plugin, 'ARGUMENT_SPEC', None)


def _without_no_log(spec):
    result = {}
    for name, option in spec.items():
        result[name] = {key: value for key, value in option.items() if key not in ('no_log', 'options')}
        if 'options' in option:
            result[name]['options'] = _without_no_log(option['options'])
    return result


@pytest.mark.parametrize('module', sorted(name[:-3] for name in os.listdir(ACTIONS) if name.endswith('.py') and not name.startswith('_')))
def test_the_action_plugin_takes_what_the_module_documents(module):
    spec = _spec(module)
    if spec is None:  # an action plugin that hands its options to a real module, which ansible-test checks against its docs
        return
    assert _without_no_log(spec) == _without_no_log(_doc_spec.argument_spec(module))
    for name, option in spec.items():
        if any(word in name for word in SECRET_WORDS):
            assert option.get('no_log') is True, '%s.%s must be no_log (DOCUMENTATION cannot say so)' % (module, name)


# The Python modules that run on a POSIX host: the spec they give AnsibleModule there (no PyYAML needed), in module_utils or the module.
MODULE_SPECS = {'port_check': ('module_utils.ports._port_targets', 'ARGUMENT_SPEC'), 'sql_browser_probe': ('module_utils.mssql._sql_probe', 'ARGUMENT_SPEC'),
                'ldap_attribute_check': ('modules.ldap_attribute_check', 'ARGUMENT_SPEC')}


@pytest.mark.parametrize('module', sorted(MODULE_SPECS))
def test_a_python_module_runs_with_the_spec_its_action_plugin_reads_from_documentation(module):
    """Secrets included: the module's own spec marks the same options no_log as _doc_spec's overlay."""
    path, name = MODULE_SPECS[module]
    own = getattr(importlib.import_module('ansible_collections.safeq.preflight.plugins.' + path), name)
    assert own == _doc_spec.argument_spec(module) == _spec(module)


def test_the_documented_defaults_are_the_evaluators_defaults():
    """server_check and windows_feature_check read their defaults from DOCUMENTATION; the evaluators' own defaults (used when
    called without a policy) are the same values."""
    from ansible_collections.safeq.preflight.plugins.plugin_utils.windows import _feature_eval, _server_eval
    server = _doc_spec.argument_spec('server_check')
    for name, value in _server_eval.DEFAULT_POLICY.items():
        expected = list(value) if isinstance(value, tuple) else value
        assert server[name]['default'] == expected, name
    features = _doc_spec.argument_spec('windows_feature_check')
    assert features['present']['default'] == list(_feature_eval.DEFAULT_PRESENT)
    assert features['absent']['default'] == list(_feature_eval.DEFAULT_ABSENT)


def test_secrets_are_no_log_through_the_overlay():
    spec = _doc_spec._options({'bind_password': {'type': 'str'}, 'bind_dn': {'type': 'str'}})
    assert spec == {'bind_password': {'type': 'str', 'no_log': True}, 'bind_dn': {'type': 'str'}}


def test_suboptions_become_nested_options():
    spec = _doc_spec._options({'targets': {'type': 'list', 'elements': 'dict', 'suboptions': {'port': {'type': 'raw', 'required': True}},
                                           'description': 'x'}})
    assert spec == {'targets': {'type': 'list', 'elements': 'dict', 'options': {'port': {'type': 'raw', 'required': True}}}}
