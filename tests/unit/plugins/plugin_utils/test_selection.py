# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Selection of catalogue entries by area tag and ID pattern, and the refusal of bad patterns, on the real catalogue."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.safeq.preflight.plugins.plugin_utils import _catalogue, _selection
from ansible_collections.safeq.preflight.plugins.plugin_utils.report import _report

IDS = _catalogue.load().ids


@pytest.mark.parametrize('value, expected', [
    (None, []), ([], []), (['ldap.*'], []),
    ('ldap.*', ["safeq_checks_include: must be a list of catalogue ID patterns (fnmatch, e.g. \"ldap.*\"), got 'ldap.*'"]),
    ([''], ["safeq_checks_include: must be a list of catalogue ID patterns (fnmatch, e.g. \"ldap.*\"), got ['']"]),
    (['ldap.*', 'ldpa.*'], ["safeq_checks_include[1]: 'ldpa.*' matches no catalogue entry ID (list them with the "
                            "safeq.preflight.list_catalogue playbook)"]),
])
def test_check_patterns(value, expected):
    assert _selection.check_patterns('safeq_checks_include', value, IDS) == expected


def test_check_selection_names_each_variable():
    patterns = _selection.task_var_patterns({'safeq_checks_include': ['x.*'], 'safeq_checks_exclude': {'a': 1}}, None)
    messages = _selection.check_selection(patterns, IDS)
    assert [m.split(':')[0] for m in messages] == ['safeq_checks_include[0]', 'safeq_checks_exclude']


@pytest.mark.parametrize('run, skip, expected', [
    (['all'], [], {'server', 'network', 'database', 'directory'}),
    (['server', 'directory'], [], {'server', 'directory'}),
    (['all'], ['network'], {'server', 'database', 'directory'}),
    ([], [], {'server', 'network', 'database', 'directory'}),
])
def test_selected_tags(run, skip, expected):
    assert _selection.selected_tags(run, skip) == expected


def test_every_area_has_a_tag():
    assert set(_selection.AREA_TAGS) == set(_catalogue.AREAS)


def test_unselected_entries_are_skip_not_selected_and_never_block():
    catalogue = _catalogue.load()
    results = {'cml1': {'server_role': 'cml', 'reachable': False, 'message': 'refused', 'ran': [], 'findings': []}}
    run = {'started': 's', 'finished': 'f', 'collection_version': '0', 'ansible_core_version': '2.19', 'check_mode': False,
           'inventory_hosts': ['cml1'], 'features': [], 'fail_on': 'fail'}
    selection = {'include': ['server.*'], 'exclude': ['server.admin-rights'], 'tags': ['server', 'network']}
    report = _report.build_report(results, catalogue, [], [], [], 'fail', run, datetime.date(2026, 11, 24), selection=selection)
    rows = {r['id']: r for r in report['hosts'][0]['entries']}
    assert (rows['server.admin-rights']['status'], rows['server.admin-rights']['reason']) == ('skip', 'not-selected')
    assert rows['server.web-browser']['reason'] == 'host-unreachable'
    assert {r['reason'] for i, r in rows.items() if not i.startswith('server.')} == {'not-selected'}
    assert report['blocking'] and {b['id'] for b in report['blocking']} <= {i for i, r in rows.items() if r['status'] == 'error'}
    assert 'server.admin-rights' not in {b['id'] for b in report['blocking']}


def test_checks_selected_filter():
    from ansible.errors import AnsibleFilterError
    from ansible_collections.safeq.preflight.plugins.filter.checks_selected import checks_selected
    assert checks_selected(['ldap_attribute_check']) is True
    assert checks_selected(['ldap_attribute_check'], ['server.*']) is False
    assert checks_selected(['server_check', 'windows_feature_check'], ['server.admin-rights']) is True
    assert checks_selected(['port_check'], [], ['net.*']) is False
    with pytest.raises(AnsibleFilterError, match='include must be a list of strings'):
        checks_selected(['port_check'], 'net.*')


def test_node_checks_selected():
    catalogue = _catalogue.load()
    assert _selection.node_checks_selected(catalogue, {'include': ['ldap.*']}) is False
    assert _selection.node_checks_selected(catalogue, {'tags': ['directory']}) is False
    assert _selection.node_checks_selected(catalogue, {'include': ['server.admin-rights']}) is True


@pytest.mark.parametrize('include, exclude', [
    ([], []), (['ldap.*'], []), (['server.admin-rights'], []), ([], ['net.*']), (['server.*', 'net.cluster.*'], ['server.admin-rights']),
    (['no.such.*'], []),
])
def test_selected_modules_say_of_each_module_what_the_filter_says(include, exclude):
    """The list the validate role gives each node is, module by module, what checks_selected says (ground truth: the filter)."""
    # pylint: disable-next=import-outside-toplevel
    from ansible_collections.safeq.preflight.plugins.filter.checks_selected import checks_selected
    catalogue = _catalogue.load()
    modules = sorted({entry['implemented_by'] for entry in catalogue.entries if entry.get('implemented_by')})
    selected = _selection.selected_modules(catalogue, include, exclude)
    assert selected == [module for module in modules if checks_selected([module], include, exclude)]
    if include == ['ldap.*']:
        assert selected == ['ldap_attribute_check']
    if include == ['server.admin-rights']:
        assert selected == ['server_check']
