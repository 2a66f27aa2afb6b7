# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every playbook variable of the collection checked before any host is contacted. PRIVATE to this collection.

The rules are not written here a second time: a variable's type and choices come from the roles' argument specs
(``roles/*/meta/argument_specs.yml``), and the value rules of a variable that feeds a module option are that option's
rules in ``_option_rules`` (which the module's action plugin applies too). ``VARIABLE_OPTIONS`` says which variable
feeds which option, as the roles' tasks pass them (a unit test reads the tasks and keeps the two in step).
"""

from __future__ import annotations

import difflib
import math
import os
import re

import yaml

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.parsing.convert_bool import BOOLEANS_FALSE, BOOLEANS_TRUE

from ansible_collections.safeq.preflight.plugins.plugin_utils import _option_rules
from ansible_collections.safeq.preflight.plugins.plugin_utils._collection import COLLECTION_ROOT

ROLES_DIR = os.path.join(COLLECTION_ROOT, 'roles')

# Playbook variable -> (module, option) it is passed to by the roles' tasks.
VARIABLE_OPTIONS = {
    'safeq_install_share': ('server_check', 'share'),
    'safeq_node_address': ('server_check', 'declared_address'),
    'safeq_min_os_build': ('server_check', 'min_os_build'),
    'safeq_supported_os_builds': ('server_check', 'supported_builds'),
    'safeq_supported_os_editions': ('server_check', 'supported_editions'),
    'safeq_allow_server_core': ('server_check', 'allow_server_core'),
    'safeq_browser_min_versions': ('server_check', 'browser_min_versions'),
    'safeq_min_logical_processors': ('server_check', 'min_logical_processors'),
    'safeq_min_memory_gb': ('server_check', 'min_memory_gb'),
    'safeq_min_disk_free_gb': ('server_check', 'min_disk_free_gb'),
    'safeq_patch_max_age_days': ('server_check', 'patch_max_age_days'),
    'safeq_install_dir': ('server_check', 'install_dir'),
    'safeq_clock_max_offset_s': ('server_check', 'clock_max_offset_s'),
    'safeq_windows_update_search': ('server_check', 'windows_update_search'),
    'safeq_windows_update_timeout': ('server_check', 'windows_update_timeout'),
    'safeq_allowed_software': ('windows_feature_check', 'allowed_software'),
    'safeq_conflicting_software': ('windows_feature_check', 'conflicting_software'),
    'safeq_database_software': ('windows_feature_check', 'database_software'),
    'safeq_windows_features_present': ('windows_feature_check', 'present'),
    'safeq_windows_features_absent': ('windows_feature_check', 'absent'),
    'safeq_server_role': ('windows_feature_check', 'server_role'),
    'safeq_db_host': ('sql_browser_probe', 'host'),
    'safeq_db_instance': ('sql_browser_probe', 'instance'),
    'safeq_db_min_version': ('sql_browser_probe', 'min_version'),
    'safeq_db_timeout': ('sql_browser_probe', 'timeout'),
    'safeq_db_dac': ('sql_browser_probe', 'dac'),
    'safeq_ldap_servers': ('ldap_attribute_check', 'servers'),
    'safeq_ldap_port': ('ldap_attribute_check', 'port'),
    'safeq_ldap_security': ('ldap_attribute_check', 'security'),
    'safeq_ldap_ca_file': ('ldap_attribute_check', 'ca_file'),
    'safeq_ldap_validate_certs': ('ldap_attribute_check', 'validate_certs'),
    'safeq_ldap_tls_server_name': ('ldap_attribute_check', 'tls_server_name'),
    'safeq_ldap_bind_dn': ('ldap_attribute_check', 'bind_dn'),
    'safeq_ldap_bind_password': ('ldap_attribute_check', 'bind_password'),
    'safeq_ldap_privileged_bind_dn': ('ldap_attribute_check', 'privileged_bind_dn'),
    'safeq_ldap_privileged_bind_password': ('ldap_attribute_check', 'privileged_bind_password'),
    'safeq_ldap_domains': ('ldap_attribute_check', 'domains'),
    'safeq_ldap_base_dns': ('ldap_attribute_check', 'base_dns'),
    'safeq_ldap_user_filter': ('ldap_attribute_check', 'user_filter'),
    'safeq_ldap_directory_type': ('ldap_attribute_check', 'directory_type'),
    'safeq_ldap_attributes': ('ldap_attribute_check', 'attributes'),
    'safeq_ldap_thresholds': ('ldap_attribute_check', 'thresholds'),
    'safeq_port_targets': ('port_check', 'targets'),
    'safeq_port_timeout': ('port_check', 'timeout'),
    'safeq_port_retries': ('port_check', 'retries'),
    'safeq_snmp_community': ('port_check', 'snmp_community'),
    'safeq_listener_seconds': ('win_port_listener', 'duration_s'),
    'safeq_listener_ready_seconds': ('win_port_listener', 'ready_timeout_s'),
}
# The directory's variables: audited once for the site, so one value for all CML nodes.
DIRECTORY_VARIABLES = frozenset(name for name, (module, dummy) in VARIABLE_OPTIONS.items() if module == 'ldap_attribute_check')
# Variables the network role's run_once vantage plan and probe take from one node (the first of the play) for every node:
# a node that sets one differently would be judged against flows that were never probed its way, so one value for all nodes.
VANTAGE_PLAN_VARIABLES = ('safeq_ftp_passive_ports', 'safeq_peers', 'safeq_peers_answer_resets', 'safeq_temporary_listeners',
                          'safeq_port_derive', 'safeq_port_timeout', 'safeq_port_retries', 'safeq_snmp_community')
# Variables the collection sets itself while it runs (never user input).
INTERNAL = frozenset(('safeq_preflight_results', 'safeq_preflight_run', 'safeq_preflight_site_results', 'safeq_preflight_node_results',
                      'safeq_preflight_modules'))
# Site-wide variables that preflight_validate checks once, from its own options (features, waivers, ...).
SITE_WIDE = frozenset(('safeq_features', 'safeq_waivers', 'safeq_attestations', 'safeq_report_dir', 'safeq_fail_on', 'safeq_nodes_group',
                       'safeq_checks_include', 'safeq_checks_exclude'))  # the last two: _selection.check_selection


def role_specs(roles_dir=ROLES_DIR):
    """``{variable: spec}`` from every role's ``main`` argument spec; a variable that two roles declare differently is an error."""
    specs = {}
    for role in sorted(os.listdir(roles_dir)):
        path = os.path.join(roles_dir, role, 'meta', 'argument_specs.yml')
        if not os.path.isfile(path):
            continue
        with open(path, encoding='utf-8') as handle:
            options = (yaml.safe_load(handle) or {})['argument_specs']['main'].get('options') or {}
        for name, spec in options.items():
            shape = {key: spec.get(key) for key in ('type', 'elements', 'choices', 'no_log')}
            if 'default' in spec:
                shape['default'] = spec['default']
            if shape['type'] == 'raw' and name in specs:  # the validate role takes anything, so that preflight_validate names it
                continue
            if name in specs and specs[name][1] != shape and specs[name][1]['type'] != 'raw':
                raise ValueError('roles %s and %s declare %s differently: %r vs %r' % (specs[name][0], role, name, specs[name][1], shape))
            specs[name] = (role, shape)
    return {name: shape for name, (dummy, shape) in specs.items()}


# The roles the playbook runs on the nodes. It imports them with ``rolespec_validate: false``: their argument specs are
# validated here once per node, on the controller before any node is contacted (``role_spec_problems``), instead of by
# one implicit validate_argument_spec task per node and role (four tasks a node, the cost of a fleet run).
NODE_ROLES = ('windows_node', 'database', 'directory', 'network')


def role_argument_specs(roles=NODE_ROLES, roles_dir=ROLES_DIR):
    """``{role: options}``: the ``main`` entry point's options of each role's ``meta/argument_specs.yml``, as written."""
    specs = {}
    for role in roles:
        with open(os.path.join(roles_dir, role, 'meta', 'argument_specs.yml'), encoding='utf-8') as handle:
            specs[role] = (yaml.safe_load(handle) or {})['argument_specs']['main'].get('options') or {}
    return specs


def role_spec_problems(variables, argument_specs):
    """``[(variable, problem)]``: what Ansible's own role argument-spec validation (the engine of the implicit
    ``validate_argument_spec`` task of a role) refuses in one host's ``variables``, for each role of ``argument_specs``."""
    problems = []
    for role, options in argument_specs.items():
        provided = {name: variables[name] for name in options if name in variables}
        result = ArgumentSpecValidator(options).validate(provided, validate_role_argument_spec=True)
        for error in result.errors:
            text = str(error)
            names = [name for name in options if re.search(r'(?<![a-z0-9_])%s(?![a-z0-9_])' % name, text)] or ['role %s' % role]
            for name in names:
                if options.get(name, {}).get('no_log') and name in variables:
                    text = _option_rules.hide(text, variables[name])
            problems.append((names[0], 'refused by the argument spec of role %s: %s' % (role, text)))
    return problems


def _ascii_int(text):
    text = text.strip()
    body = text[1:] if text[:1] in '+-' else text
    if body.isascii() and body.isdigit():
        return int(text)
    raise ValueError(text)


def _coerce_scalar(value, kind):
    """``(value, problem)``: ``value`` as ``kind`` (str, path, int, float, bool, raw), the way a reader of the YAML means it."""
    if kind in (None, 'raw'):
        return value, None
    shown = _option_rules.show(value)
    if kind in ('dict', 'list'):
        if isinstance(value, dict if kind == 'dict' else list):
            return value, None
        return None, '%s is not a %s' % (shown, 'mapping' if kind == 'dict' else 'list')
    if kind in ('str', 'path'):
        if isinstance(value, (dict, list, bool)) or value is None:
            return None, '%s is not a string' % shown
        if isinstance(value, float):  # YAML reads 13.10 as the number 13.1
            return None, '%s was read as a number: write it in quotes' % shown
        return str(value), None
    if kind == 'bool':
        if isinstance(value, bool):
            return value, None
        key = value.strip().lower() if isinstance(value, str) else value
        if isinstance(key, (str, int, float)) and (key in BOOLEANS_TRUE or key in BOOLEANS_FALSE):
            return key in BOOLEANS_TRUE, None
        return None, '%s is not a boolean (true or false)' % shown
    if isinstance(value, bool) or value is None or isinstance(value, (dict, list)):
        return None, '%s is not a number' % shown
    if kind == 'float' and isinstance(value, int):
        return value, None
    try:
        if kind == 'int':
            if isinstance(value, float):
                if value.is_integer():
                    return int(value), None
                raise ValueError(value)
            return (value if isinstance(value, int) else _ascii_int(str(value))), None
        number = float(value) if isinstance(value, (int, float)) else float(str(value).strip())
    except ValueError:
        return None, '%s is not %s' % (shown, 'a whole number' if kind == 'int' else 'a number')
    if not str(value).isascii():
        return None, '%s is not a number written in ASCII digits' % shown
    if not math.isfinite(number):
        return None, '%s is not a finite number' % shown
    return number, None


def coerce(value, spec):
    """``(value, problem)`` for ``value`` against a role argument spec (type, elements, choices); lists and dicts are strict."""
    kind = spec.get('type') or 'str'
    if kind == 'list':
        if not isinstance(value, list):
            return None, '%s is not a list (write it as a YAML list)' % _option_rules.show(value)
        result = []
        for index, item in enumerate(value):
            item, problem = _coerce_scalar(item, spec.get('elements'))
            if problem:
                return None, 'item %d: %s' % (index, problem)
            if isinstance(item, str) and not item.strip():
                return None, 'item %d is an empty string' % index
            result.append(item)
        value = result
    elif kind == 'dict':
        if not isinstance(value, dict):
            return None, '%s is not a mapping' % _option_rules.show(value)
    else:
        value, problem = _coerce_scalar(value, kind)
        if problem:
            return None, problem
    choices = spec.get('choices')
    if choices:
        for item in (value if isinstance(value, list) else [value]):
            if item not in choices:
                return None, '%s is not one of %s' % (_option_rules.show(item), ', '.join(map(str, choices)))
    return value, None


def check_variables(variables, specs=None):
    """``[(variable, problem)]`` for the collection's variables in one host's ``variables`` (a plain mapping).

    Unknown ``safeq_`` variables (a typo) are reported with a suggestion; secret values never appear.
    """
    specs = role_specs() if specs is None else specs
    problems = []
    for name in sorted(variables):
        if not name.startswith('safeq_') or name in INTERNAL or name in SITE_WIDE:
            continue
        if name not in specs:
            close = difflib.get_close_matches(name, list(specs), n=1)
            problems.append((name, 'not a variable of safeq.preflight%s' % (" (did you mean '%s'?)" % close[0] if close else '')))
            continue
        value = variables[name]
        if value is None:
            if specs[name].get('type') in ('str', 'path', 'raw', None) and 'default' not in specs[name]:
                continue  # an optional string left empty is the same as not given
            problems.append((name, 'is empty (null): give a value, or remove the line to use the default'))
            continue
        value, problem = coerce(value, specs[name])
        if problem is None and name in VARIABLE_OPTIONS:
            module, option = VARIABLE_OPTIONS[name]
            found = _option_rules.check(module, {option: value})
            problem = found[0][1] if found else None
        if problem:
            problems.append((name, _option_rules.hide(problem, variables[name]) if specs[name].get('no_log') else problem))
    return problems
