# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Playbook variables and module options: the rules, and that they stay in step with the roles and the modules."""

from __future__ import annotations

import os
import re

import pytest
import yaml

from ansible_collections.safeq.preflight.plugins.plugin_utils.windows import _server_eval
from ansible_collections.safeq.preflight.plugins.plugin_utils import _inputs, _option_rules

ROLES = _inputs.ROLES_DIR
_REF = re.compile(r'\{\{\s*(safeq_[a-z0-9_]+)\b')


def _yaml(*parts):
    with open(os.path.join(ROLES, *parts), encoding='utf-8') as handle:
        return yaml.safe_load(handle) or {}


def _module_tasks():
    """(module, option, variable) for every module option a role's task fills from one collection variable."""
    for role in sorted(os.listdir(ROLES)):
        tasks = [task for name in sorted(os.listdir(os.path.join(ROLES, role, 'tasks'))) for task in _yaml(role, 'tasks', name)]
        for task in tasks:
            for action, args in task.items():
                if action.startswith('safeq.preflight.') and isinstance(args, dict):
                    for option, value in args.items():
                        refs = _REF.findall(str(value))
                        if len(refs) == 1:
                            yield action.rsplit('.', 1)[-1], option, refs[0]


@pytest.fixture(scope='module')
def specs():
    return _inputs.role_specs()


def test_every_variable_that_feeds_an_option_is_passed_to_that_option_by_the_roles(specs):
    passed = {variable: (module, option) for module, option, variable in _module_tasks() if variable in _inputs.VARIABLE_OPTIONS}
    # safeq_port_targets reaches port_check's targets through the network role's derived target list
    assert dict(passed, safeq_port_targets=('port_check', 'targets')) == _inputs.VARIABLE_OPTIONS
    for module, option, variable in _module_tasks():
        if variable not in _inputs.SITE_WIDE and variable not in ('safeq_nodes_group',):
            assert variable in _inputs.VARIABLE_OPTIONS or module.startswith('preflight_'), (module, option, variable)
    assert set(_inputs.VARIABLE_OPTIONS) <= set(specs)
    for variable, (module, option) in _inputs.VARIABLE_OPTIONS.items():
        # a value rule, or a type the argument spec settles alone (a boolean, a choice)
        assert option in _option_rules.RULES[module] or specs[variable]['type'] == 'bool' or specs[variable]['choices'], variable


def test_role_defaults_are_the_argument_spec_defaults_and_valid(specs):
    for role in sorted(os.listdir(ROLES)):
        defaults = _yaml(role, 'defaults', 'main.yml')
        options = _yaml(role, 'meta', 'argument_specs.yml')['argument_specs']['main']['options']
        assert defaults == {name: spec['default'] for name, spec in options.items() if 'default' in spec}, role
        assert _inputs.check_variables(defaults, specs) == [], role


def test_server_check_defaults_match_the_windows_node_role():
    defaults = _yaml('windows_node', 'defaults', 'main.yml')
    for option, variable in (('min_os_build', 'safeq_min_os_build'), ('min_logical_processors', 'safeq_min_logical_processors'),
                             ('min_memory_gb', 'safeq_min_memory_gb'), ('min_disk_free_gb', 'safeq_min_disk_free_gb'),
                             ('patch_max_age_days', 'safeq_patch_max_age_days'), ('install_dir', 'safeq_install_dir')):
        assert _server_eval.DEFAULT_POLICY[option] == defaults[variable], option


@pytest.mark.parametrize('variable, value, problem', [
    ('safeq_min_memory_gb', -1, '-1 is outside 0.5-65536'),
    ('safeq_listener_ready_seconds', 0, '0 is outside 1-600'),  # the listener process must get time to report its binds
    ('safeq_min_memory_gb', 'nan', "'nan' is not a finite number"),
    ('safeq_min_memory_gb', 'inf', "'inf' is not a finite number"),
    ('safeq_min_memory_gb', True, 'True is not a number'),
    ('safeq_min_memory_gb', [8], '[8] is not a number'),
    ('safeq_min_os_build', '²', "'²' is not a whole number"),
    ('safeq_min_os_build', '٩٦٠٠', "'٩٦٠٠' is not a whole number"),
    ('safeq_min_os_build', 9600.5, '9600.5 is not a whole number'),
    ('safeq_min_logical_processors', 0, '0 is outside 1-1024'),
    ('safeq_patch_max_age_days', 0, '0 is outside 1-3650'),
    ('safeq_clock_max_offset_s', -1, '-1 is outside 1-86400'),
    ('safeq_clock_max_offset_s', 0, '0 is outside 1-86400'),
    ('safeq_windows_update_timeout', 99999, '99999 is outside 10-3600'),
    ('safeq_windows_update_search', 'maybe', "'maybe' is not a boolean"),
    ('safeq_install_dir', 'SafeQ', "'SafeQ' is not an absolute Windows path"),
    ('safeq_install_share', 'C:\\share', 'is not a UNC path'),
    ('safeq_install_share', '\\\\server', 'is not a UNC path'),
    ('safeq_allowed_software', 'PaperCut*', "'PaperCut*' is not a list"),
    ('safeq_allowed_software', ['ok', ''], 'item 1 is an empty string'),
    ('safeq_allowed_software', {'a': 1}, 'is not a list'),
    ('safeq_browser_min_versions', {'opera': '100'}, 'unknown key(s) opera (known: edge, chrome, firefox, ie)'),
    ('safeq_browser_min_versions', {'chrome': 'latest'}, "chrome: 'latest' is not a dotted version"),
    ('safeq_browser_min_versions', ['chrome'], 'is not a mapping'),
    ('safeq_conflicting_software', ['PaperCut*', '  '], 'item 1 is an empty string'),
    ('safeq_database_software', 'CouchDB*', "'CouchDB*' is not a list"),
    ('safeq_node_address', 'cml1.lab.test', "'cml1.lab.test' is not an IP address"),
    ('safeq_supported_os_builds', [], 'the list is empty'),
    ('safeq_supported_os_builds', [17763, -1], 'item 1: -1 is outside 0-99999'),
    ('safeq_supported_os_editions', ['Server Standard'], "item 0: 'Server Standard' is not a Windows EditionID"),
    ('safeq_windows_features_absent', ['Web-Servr'], "unknown Windows feature 'Web-Servr', did you mean 'Web-Server'?"),
    ('safeq_windows_features_present', ['NetFx3'], "unknown Windows feature 'NetFx3'"),
    ('safeq_windows_features_present', 'NET-Framework-Core', "'NET-Framework-Core' is not a list"),
    ('safeq_db_instance', 'A' * 17, 'is not a SQL Server instance name'),
    ('safeq_db_instance', 'SQL EXPRESS', 'is not a SQL Server instance name'),
    ('safeq_db_min_version', 'v13', "'v13' is not a dotted version"),
    ('safeq_db_timeout', 0, '0 is outside 0.1-60'),
    ('safeq_db_dac', 'maybe', "'maybe' is not a boolean"),
    ('safeq_db_probe_from', 'workstation', "'workstation' is not one of node, controller"),
    ('safeq_ldap_servers', 'dc1.example.com', 'is not a list'),
    ('safeq_ldap_servers', [], 'the list is empty'),
    ('safeq_ldap_servers', ['dc 1'], "item 0: 'dc 1' is not a host name"),
    ('safeq_ldap_port', 70000, '70000 is outside 1-65535'),
    ('safeq_ldap_security', 'tls', "'tls' is not one of ldaps, starttls, none"),
    ('safeq_ldap_bind_dn', 'safeq', "'safeq' is not a DN, user@domain or DOMAIN"),
    ('safeq_ldap_privileged_bind_dn', 'CN=Auditor,', 'is not a DN'),
    ('safeq_ldap_base_dns', ['OU=Users,DC=example,'], 'is not a DN'),
    ('safeq_ldap_base_dns', 'OU=Users,DC=example,DC=com', 'is not a list'),
    ('safeq_ldap_ca_file', '/nonexistent/ca.pem', "'/nonexistent/ca.pem' does not exist"),
    ('safeq_ldap_attributes', {'badge': 'employeeID'}, 'unknown key(s) badge'),
    ('safeq_ldap_attributes', {'login': ''}, 'login: an empty string'),
    ('safeq_ldap_attributes', ['login'], 'is not a mapping'),
    ('safeq_ldap_thresholds', {'card_number': 150}, 'card_number: 150 is outside 0-100'),
    ('safeq_ldap_thresholds', {'card_number': 'all'}, "card_number: 'all' is not a number"),
    ('safeq_ldap_domains', ['example .com'], 'is not a domain name'),
    ('safeq_port_targets', [{'host': 'smtp1', 'port': 70000}], 'targets[0].port: 70000 is outside 1-65535'),
    ('safeq_port_targets', [{'host': 'smtp1', 'port': 25, 'protocol': 'tcp'}], 'targets[0]: unknown key(s) protocol'),
    ('safeq_port_targets', [{'host': 'smtp1', 'port': '²'}], "neither a port number nor a range"),
    ('safeq_port_targets', {'host': 'smtp1', 'port': 25}, 'is not a list'),
    ('safeq_port_timeout', 'inf', "'inf' is not a finite number"),
    ('safeq_port_retries', 11, '11 is outside 0-10'),
    ('safeq_port_derive', 'sometimes', "'sometimes' is not a boolean"),
    ('safeq_server_role', 'mps', "'mps' is not one of cml, ors, crs"),
    ('safeq_min_memroy_gb', 4, "not a variable of safeq.preflight (did you mean 'safeq_min_memory_gb'?)"),
    ('safeq_min_os_build', None, 'is empty (null)'),
    ('safeq_allowed_software', None, 'is empty (null)'),
    ('safeq_db_dac', {}, '{} is not a boolean'),
    ('safeq_port_derive', [], '[] is not a boolean'),
    ('safeq_min_memory_gb', '\uff18', 'is not a number written in ASCII digits'),
    ('safeq_db_min_version', 13.1, '13.1 was read as a number: write it in quotes'),
    ('safeq_snmp_community', '\u00e9' * 40, 'longer than 64 bytes of UTF-8'),
])
def test_a_bad_value_is_named_with_its_problem(specs, variable, value, problem):
    found = _inputs.check_variables({variable: value}, specs)
    assert len(found) == 1 and found[0][0] == variable, found
    assert problem in found[0][1], found
    assert 'Tagged' not in found[0][1] and "<class" not in found[0][1]


@pytest.mark.parametrize('variable, value', [
    ('safeq_ldap_bind_password', ['Sup3r-Secret']),
    ('safeq_ldap_bind_password', ''),
    ('safeq_ldap_privileged_bind_password', ['Sup3r-Secret']),
    ('safeq_snmp_community', 'c' * 80),
    ('safeq_snmp_community', {'Sup3r-Secret': 1}),
])
def test_a_secret_is_never_shown(specs, variable, value):
    found = _inputs.check_variables({variable: value}, specs)
    assert len(found) == 1 and found[0][0] == variable
    assert 'Sup3r-Secret' not in found[0][1] and 'ccccc' not in found[0][1]


@pytest.mark.parametrize('variables', [
    {'safeq_min_memory_gb': '8', 'safeq_min_os_build': '14393', 'safeq_db_dac': 'yes', 'safeq_port_derive': 'false'},
    {'safeq_ldap_bind_dn': 'EXAMPLE\\svc-safeq', 'safeq_ldap_privileged_bind_dn': 'CN=Audit,OU=Service,DC=example,DC=com'},
    # what real sites write: spaces after commas and escapes in DNs, IPv6 and names, D: drives, $ shares, INI strings
    {'safeq_ldap_base_dns': ['OU=Users, DC=example, DC=com', 'OU=Sales\\, EMEA,DC=example,DC=com', 'CN=Users,DC=corp,DC=example,DC=com'],
     'safeq_ldap_servers': ['2001:db8::10', 'dc01.corp.example.com', '198.18.0.10'], 'safeq_ldap_port': '636',
     'safeq_install_dir': 'D:\\', 'safeq_install_share': '\\\\srv01\\d$\\SafeQ Install', 'safeq_db_host': '2001:db8::20',
     'safeq_db_instance': '_SAFEQ$01', 'safeq_db_min_version': 15,
     'safeq_db_timeout': '2', 'safeq_port_retries': '0', 'safeq_db_dac': 'no', 'safeq_ldap_domains': ['corp.example.com', 'EXAMPLE']},
    {'safeq_min_memory_gb': 7.5, 'safeq_port_timeout': 2, 'safeq_db_timeout': '0.5', 'safeq_install_dir': 'D:\\Programme\\SafeQ'},
    {'safeq_ldap_servers': ['dc1.example.com', '198.18.0.5'], 'safeq_ldap_base_dns': ['OU=Benutzer äö,DC=example,DC=com'],
     'safeq_ldap_attributes': {'card_number': 'employeeID', 'unique_id': 'objectGUID'}, 'safeq_ldap_thresholds': {'department': 90.5},
     'safeq_ldap_bind_dn': 'CN=SafeQ Sync,OU=Service,DC=example,DC=com', 'safeq_ldap_privileged_bind_dn': 'svc-audit@example.com',
     'safeq_db_instance': 'SAFEQ', 'safeq_db_min_version': '13.0',
     'safeq_install_share': '\\\\files.example.com\\SafeQ$', 'safeq_port_targets': [{'host': 'smtp1', 'port': '25', 'entry': 'x'}],
     'safeq_preflight_results': 'internal', 'safeq_features': 'checked by preflight_validate itself'},
])
def test_good_values_pass_as_an_inventory_writes_them(specs, variables):
    assert _inputs.check_variables(variables, specs) == []


def test_two_roles_that_declare_one_variable_differently_are_refused(tmp_path):
    for role, kind in (('a', 'int'), ('b', 'str')):
        (tmp_path / role / 'meta').mkdir(parents=True)
        (tmp_path / role / 'meta' / 'argument_specs.yml').write_text(
            yaml.safe_dump({'argument_specs': {'main': {'options': {'safeq_x': {'type': kind}}}}}))
    with pytest.raises(ValueError, match='safeq_x'):
        _inputs.role_specs(str(tmp_path))


@pytest.mark.parametrize('module, options, problem', [
    ('sql_browser_probe', {'browser_port': 0}, "Invalid value for option 'browser_port': 0 is outside 1-65535"),
    ('port_check', {'tls_min_days': -1}, "Invalid value for option 'tls_min_days': -1 is outside 0-3650"),
    ('ldap_attribute_check', {'sample_size': 5000}, "Invalid value for option 'sample_size': 5000 is outside 0-1000"),
    ('windows_feature_check', {'allowed_software': ['  ']}, "Invalid value for option 'allowed_software': item 0: an empty string"),
    ('windows_feature_check', {'absent': ['FS-SMB']}, "Invalid value for option 'absent': unknown Windows feature 'FS-SMB'"),
    ('windows_feature_check', {'present': ['']}, "Invalid value for option 'present': item 0: an empty string"),
    ('ldap_attribute_check', {'thresholds': {'login': float('nan')}}, "login: nan is not a finite number"),
])
def test_module_options_are_checked_by_the_same_rules(module, options, problem):
    assert [message for message in _option_rules.messages(module, options) if problem in message]


def test_secret_options_are_masked_in_module_messages():
    found = _option_rules.messages('port_check', {'snmp_community': ['Sup3r-Secret']}, secret=('snmp_community',))
    assert found and 'Sup3r-Secret' not in found[0] and 'snmp_community' in found[0]


def test_the_docs_list_the_rules_of_every_variable(specs):
    with open(os.path.join(os.path.dirname(ROLES), 'docs', 'input-validation.md'), encoding='utf-8') as handle:
        docs = handle.read()
    missing = [name for name in specs if '| `%s` |' % name not in docs]
    assert not missing


def test_a_ca_file_path_may_use_environment_variables_as_ansible_paths_do(specs, tmp_path, monkeypatch):
    (tmp_path / 'ca.pem').write_text('x')
    monkeypatch.setenv('SAFEQ_TEST_DIR', str(tmp_path))
    assert _inputs.check_variables({'safeq_ldap_ca_file': '$SAFEQ_TEST_DIR/ca.pem'}, specs) == []


# --- The node roles' argument specs, validated once on the controller (the playbook imports them with rolespec_validate: false).

def _plays():
    with open(os.path.join(os.path.dirname(ROLES), 'playbooks', 'preinstall_check.yml'), encoding='utf-8') as handle:
        return yaml.safe_load(handle)


def _node_play():
    return next(play for play in _plays() if play['hosts'] == 'safeq_preflight_nodes')


def test_the_node_roles_skip_the_per_node_spec_task_only_because_preflight_validate_runs_their_specs():
    imports = [task['ansible.builtin.import_role'] for task in _node_play()['tasks'] if 'ansible.builtin.import_role' in task]
    assert 'safeq.preflight.preflight_validate' in _node_play()['tasks'][0]  # the group's own variables, validated once
    assert 'roles' not in _node_play()
    # then a play per area, on the nodes it concerns (groups the validate role fills from the validated nodes), network last
    plays = _plays()
    for play in plays[plays.index(_node_play()) + 1:-1]:
        assert 'roles' not in play
        imports += [task['ansible.builtin.import_role'] for task in play['tasks'] if 'ansible.builtin.import_role' in task]
    assert [item['name'].rsplit('.', 1)[-1] for item in imports] == list(_inputs.NODE_ROLES)
    assert sorted(item['name'].rsplit('.', 1)[-1] for item in imports) == sorted(_inputs.NODE_ROLES)
    assert all(item['rolespec_validate'] is False for item in imports)
    assert set(_inputs.role_argument_specs()) == set(_inputs.NODE_ROLES)


@pytest.mark.parametrize('variable, value, role', [
    ('safeq_min_memory_gb', 'lots', 'windows_node'),
    ('safeq_db_timeout', [1], 'database'),
    ('safeq_ldap_security', 'tls', 'directory'),
    ('safeq_temporary_listeners', 'perhaps', 'network'),
])
def test_what_a_node_role_spec_refuses_is_named_with_the_role(variable, value, role):
    problems = _inputs.role_spec_problems({variable: value}, _inputs.role_argument_specs())
    assert problems and all(name == variable for name, dummy in problems), problems
    assert any(('role %s' % role) in problem for dummy, problem in problems), problems


def test_the_node_role_specs_accept_their_own_defaults_and_a_demo_inventory():
    specs = _inputs.role_argument_specs()
    defaults = {}
    for role in _inputs.NODE_ROLES:
        defaults.update(_yaml(role, 'defaults', 'main.yml'))
    assert _inputs.role_spec_problems(defaults, specs) == []
    assert _inputs.role_spec_problems({'safeq_min_memory_gb': 16, 'safeq_ldap_servers': ['dc1.example.com'], 'unrelated': 'x'}, specs) == []


def test_role_spec_problems_use_ansibles_role_validation_with_what_the_collection_rules_do_not_know():
    # a required option and an elements type: refused by Ansible's engine as the implicit role task would refuse them
    specs = {'demo': {'safeq_x': {'type': 'int', 'required': True}, 'safeq_y': {'type': 'list', 'elements': 'int'}}}
    problems = dict(_inputs.role_spec_problems({'safeq_y': ['a']}, specs))
    assert 'safeq_x' in problems and 'missing required' in problems['safeq_x'], problems
    assert 'safeq_y' in problems and 'role demo' in problems['safeq_y'], problems


def test_a_secret_refused_by_a_role_spec_is_masked():
    specs = {'demo': {'safeq_secret': {'type': 'int', 'no_log': True}}}
    problems = _inputs.role_spec_problems({'safeq_secret': 'Sup3r-Secret-value'}, specs)
    assert problems and all('Sup3r-Secret-value' not in problem for dummy, problem in problems), problems
