# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The catalogue's ``implemented_by`` is the one registry from entry to module: each evaluator produces exactly the entries the
catalogue gives its module, each module's documentation lists exactly those, and no action plugin keeps a list of its own."""

from __future__ import annotations

import datetime
import importlib
import os
import re

import pytest
import yaml

from ansible_collections.safeq.preflight.plugins.module_utils.ldap import _ldap_evaluate
from ansible_collections.safeq.preflight.plugins.module_utils.mssql import _sql_probe, _ssrp
from ansible_collections.safeq.preflight.plugins.plugin_utils import _catalogue
from ansible_collections.safeq.preflight.plugins.plugin_utils.windows import _feature_eval, _hotfix_dates, _server_eval

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
NODES = os.path.join(ROOT, 'tests', 'lab', 'demo', 'nodes')
# The modules whose entries are fixed (port_check's entries come from its targets: one finding per entry a target names).
FIXED = ('server_check', 'windows_feature_check', 'sql_browser_probe', 'ldap_attribute_check')


def _probes(node):
    with open(os.path.join(NODES, node + '.yml'), encoding='utf-8') as handle:
        return yaml.safe_load(handle)['probes']


def _server_check(node='cml1'):
    return _server_eval.evaluate(_hotfix_dates.normalise(_probes(node)['win_server_facts']), today=datetime.date(2026, 11, 24),
                                 share_requested=True, declared='198.18.0.11')


def _windows_feature_check(node='cml1'):
    return _feature_eval.evaluate(_probes(node)['win_feature_facts'])


def _sql_browser_probe():
    record = ['ServerName', 'SQL01', 'InstanceName', 'SAFEQ', 'IsClustered', 'No', 'Version', '15.0.2000.5', 'tcp', '49703']

    def exchange(specs):
        answers = {'browser': {'outcome': 'response', 'response': _ssrp.build_response([record])}}
        return [dict({'id': s['id'], 'outcome': 'refused', 'socket_error': None, 'rtt_ms': 1.0, 'response': b'', 'remote': None, 'message': ''},
                     **answers.get(s['id'], {})) for s in specs]
    return _sql_probe.evaluate(_sql_probe.run_probe(exchange, '198.18.2.2', 'SAFEQ', 1.0))


def _ldap_attribute_check():
    audit = {'servers': [{'host': 'dc1', 'port': 636, 'reachable': False, 'error': 'refused', 'rtt_ms': None, 'tls': None}],
             'bound': False, 'bind_server': None, 'bind_reason': None, 'bind_message': None, 'root_dse': None, 'error': 'refused'}
    return _ldap_evaluate.evaluate(audit, {'security': 'ldaps', 'bind_dn': 'cn=sync', 'domains': [], 'thresholds': {}})


EVALUATE = {'server_check': _server_check, 'windows_feature_check': _windows_feature_check, 'sql_browser_probe': _sql_browser_probe,
            'ldap_attribute_check': _ldap_attribute_check}


@pytest.mark.parametrize('module', FIXED)
def test_the_evaluator_produces_exactly_the_entries_the_catalogue_gives_its_module(module):
    produced = [finding['id'] for finding in EVALUATE[module]()]
    assert len(produced) == len(set(produced)), 'one finding per entry'
    assert set(produced) == set(_catalogue.entries_of(module)), module


@pytest.mark.parametrize('module', FIXED)
def test_every_finding_gets_its_remediation_from_the_catalogue(module):
    """Also on the misconfigured demo node (cml2), whose server and feature findings fail and warn."""
    found = EVALUATE[module]() + (EVALUATE[module]('cml2') if module in ('server_check', 'windows_feature_check') else [])
    assert any(item['status'] != 'pass' for item in found), 'the sample has something to remediate'
    for item in found:
        assert item['remediation'] == '', 'the evaluator leaves the text to the catalogue: %s' % item['id']
        enriched = _catalogue.enrich(item)
        assert 'fix' not in enriched and not re.search(r'\{[a-z_]+\}', enriched['remediation']), enriched
        if item['status'] in ('fail', 'warn', 'error'):
            assert enriched['remediation'], enriched


@pytest.mark.parametrize('module', FIXED)
def test_the_module_documentation_lists_exactly_its_catalogue_entries(module):
    doc = yaml.safe_load(importlib.import_module('ansible_collections.safeq.preflight.plugins.modules.' + module).DOCUMENTATION)
    line = [text for text in doc['description'] if text.startswith('Evaluates ')]
    assert len(line) == 1, 'the description says once which entries the module evaluates'
    assert set(re.findall(r'V\(([a-z0-9.-]+)\)', line[0])) == set(_catalogue.entries_of(module))


def test_every_module_the_catalogue_names_exists_with_an_action_plugin():
    modules = {entry.get('implemented_by') for entry in _catalogue.load().entries} - {None}
    for module in modules:
        assert os.path.isfile(os.path.join(ROOT, 'plugins', 'modules', module + '.py')), module
        assert os.path.isfile(os.path.join(ROOT, 'plugins', 'action', module + '.py')), module
    assert modules == set(FIXED) | {'port_check'}, 'a new module: add its evaluator to EVALUATE above'


def test_port_check_implements_port_rows_only():
    for entry_id in _catalogue.entries_of('port_check'):
        assert 'protocol' in _catalogue.load().get(entry_id), entry_id


def test_no_action_plugin_keeps_its_own_entry_list():
    for name in os.listdir(os.path.join(ROOT, 'plugins', 'action')):
        if name.endswith('.py'):
            with open(os.path.join(ROOT, 'plugins', 'action', name), encoding='utf-8') as handle:
                assert 'ENTRY_IDS' not in handle.read(), name


def test_entries_of_follows_catalogue_order():
    ids = _catalogue.load().ids
    for module in FIXED:
        entries = _catalogue.entries_of(module)
        assert entries and list(entries) == sorted(entries, key=ids.index)
