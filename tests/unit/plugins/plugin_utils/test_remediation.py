# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Remediation text is written in the catalogue only: evaluators name the reason (and the specifics in ``fix``), and
``_catalogue.enrich`` takes the text from the finding's own entry, so no evaluator returns a remediation of another entry."""

from __future__ import annotations

import ast
import os
import re
import string

import pytest

from ansible_collections.safeq.preflight.plugins.module_utils._findings import finding
from ansible_collections.safeq.preflight.plugins.plugin_utils import _catalogue

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
# module -> the sources whose findings carry its entries' reasons (evaluators, and the report's cluster comparison)
SOURCES = {
    'server_check': ('plugins/plugin_utils/windows/_server_eval.py', 'plugins/action/preflight_report.py'),
    'windows_feature_check': ('plugins/plugin_utils/windows/_feature_eval.py',),
    'sql_browser_probe': ('plugins/module_utils/mssql/_sql_probe.py',),
    'ldap_attribute_check': ('plugins/module_utils/ldap/_ldap_evaluate.py', 'plugins/module_utils/ldap/_ldap_audit.py',
                             'plugins/module_utils/ldap/_ldap_channel.py'),
    'port_check': ('plugins/module_utils/ports/_port_evaluate.py', 'plugins/plugin_utils/ports/_port_matrix.py',
                   'plugins/module_utils/ports/_firewall.py'),
}


def _read(path):
    with open(os.path.join(ROOT, path), encoding='utf-8') as handle:
        return handle.read()


def _finding_calls(path):
    for node in ast.walk(ast.parse(_read(path))):
        if isinstance(node, ast.Call) and getattr(node.func, 'id', getattr(node.func, 'attr', None)) in ('finding', 'error_finding'):
            yield node


@pytest.mark.parametrize('path', sorted({path for paths in SOURCES.values() for path in paths} | {'plugins/plugin_utils/_action.py'}))
def test_no_evaluator_writes_remediation_text(path):
    for call in _finding_calls(path):
        limit = 4 if getattr(call.func, 'id', getattr(call.func, 'attr', None)) == 'finding' else 3
        assert len(call.args) <= limit, '%s:%d passes a remediation; put it in the catalogue (remediations)' % (path, call.lineno)
        assert 'remediation' not in [keyword.arg for keyword in call.keywords], '%s:%d' % (path, call.lineno)


def _entries_with_variants():
    return [entry for entry in _catalogue.load().entries if entry.get('remediations')]


def _unused(variants, modules):
    """The variants (of an entry or an area) named after a reason, or with a {field}, that no source of ``modules`` gives."""
    text = '\n'.join(_read(path) for module in modules for path in SOURCES[module])
    problems = []
    for reason, variant in variants.items():
        if not re.search(r"""['"]%s['"]""" % re.escape(reason), text):
            problems.append('no source gives the reason %r' % reason)
        for dummy, field, dummy2, dummy3 in string.Formatter().parse(variant):
            if field and not re.search(r"""['"]%s['"]""" % re.escape(field), text):
                problems.append('{%s} is filled by no source' % field)
    return problems


@pytest.mark.parametrize('entry', _entries_with_variants(), ids=lambda entry: entry['id'])
def test_every_variant_is_a_reason_its_module_gives(entry):
    """A variant named after no reason would never be used (a typo falls back to the generic text); each is a literal reason
    in the sources of the module that implements the entry, and its {fields} are keys those sources fill."""
    module = entry.get('implemented_by')
    assert module in SOURCES, '%s has variants but no evaluator listed in SOURCES' % entry['id']
    assert _unused(entry['remediations'], [module]) == [], entry['id']


def _areas_with_variants():
    return sorted(area for area, defaults in _catalogue.load().area_defaults.items() if defaults.get('remediations'))


@pytest.mark.parametrize('area', _areas_with_variants())
def test_every_area_variant_is_a_reason_the_modules_of_its_entries_give(area):
    """The same holds for an area's variants (the port rows' shared texts): each names a reason (or a wording an evaluator
    chooses by ``fix['variant']``) that a module implementing an entry of the area gives, with fields those sources fill."""
    catalogue = _catalogue.load()
    modules = sorted({entry.get('implemented_by') for entry in catalogue.entries if entry['area'] == area} - {None})
    assert modules and all(module in SOURCES for module in modules), (area, modules)
    variants = catalogue.area_defaults[area]['remediations']
    assert _unused(variants, modules) == [], area
    assert _unused(dict(variants, **{'filtred': 'Allow {where}.'}), modules) == ["no source gives the reason 'filtred'"]
    assert _unused({'filtered': 'Allow {whre}.'}, modules) == ['{whre} is filled by no source']


def test_the_network_area_holds_the_port_rows_variants():
    assert _areas_with_variants() == ['network']


@pytest.mark.parametrize('bad, match', [
    ({'filtered': ''}, 'area_defaults.network: remediations must be a mapping'),
    ({'filtered': None}, 'area_defaults.network: remediations must be a mapping'),
    (['filtered'], 'area_defaults.network: remediations must be a mapping'),
])
def test_area_variants_must_be_text(bad, match):
    catalogue = _catalogue.load()
    defaults = dict(catalogue.area_defaults, network=dict(catalogue.area_defaults['network'], remediations=bad))
    with pytest.raises(_catalogue.CatalogueError, match=match):
        _catalogue._check_area_defaults(defaults, catalogue.owners)


def test_area_defaults_take_no_other_key():
    catalogue = _catalogue.load()
    defaults = dict(catalogue.area_defaults, network=dict(catalogue.area_defaults['network'], remediation='x'))
    with pytest.raises(_catalogue.CatalogueError, match=r'area_defaults.network must be \{scope, owner\}'):
        _catalogue._check_area_defaults(defaults, catalogue.owners)


def test_an_entrys_own_variant_wins_over_its_areas():
    entry = dict(_catalogue.load().get('net.ws-in.tcp-80-443'), remediations={'closed': 'own {where}'})
    area = _catalogue.load().area_defaults['network']['remediations']
    assert _catalogue.remediation(entry, 'fail', ['closed'], {'where': 'TCP 80'}, area) == 'own TCP 80'
    assert _catalogue.remediation(entry, 'fail', ['filtered'], {'where': 'TCP 80'}, area) == area['filtered'].format(where='TCP 80')
    # a wording the evaluator chose (fix['variant']) is taken instead of the reason's; without any variant, the entry's text
    assert _catalogue.remediation(entry, 'fail', ['filtered'], {'where': 'TCP 80', 'variant': 'filtered-service'}, area).endswith(
        'then start the service.')
    assert _catalogue.remediation(entry, 'error', ['dns-failure'], {}, area) == entry['remediation']


def test_enrich_takes_the_variant_of_each_reason_from_the_findings_own_entry():
    fixed = _catalogue.enrich(finding('net.other.tcp-dynamic-cml-db', 'fail', 'closed', 'x', fix={'port': 49703}))
    assert fixed['remediation'].startswith('Allow TCP 49703 (the instance port)') and 'fix' not in fixed
    both = _catalogue.enrich(finding('server.ip-addresses-prepared', 'warn', 'dhcp-address', 'x', reasons=['dhcp-address', 'dns-inconsistent']))
    variants = _catalogue.load().get('server.ip-addresses-prepared')['remediations']
    assert both['remediation'] == variants['dhcp-address'] + ' ' + variants['dns-inconsistent']
    generic = _catalogue.enrich(finding('server.admin-rights', 'error', 'fact-unavailable', 'x'))
    assert generic['remediation'] == _catalogue.load().get('server.admin-rights')['remediation']
    assert _catalogue.enrich(finding('server.admin-rights', 'pass', 'elevated-admin', 'x'))['remediation'] == ''
    # the same reason code on another entry takes that entry's text, never this one's
    other = _catalogue.enrich(finding('net.other.udp-1434-cml-db', 'fail', 'closed', 'x'))
    assert other['remediation'] != fixed['remediation'] and 'SQL Server Browser' in other['remediation']


def test_a_field_the_evaluator_did_not_fill_stays_visible_rather_than_failing():
    text = _catalogue.enrich(finding('net.other.tcp-dynamic-cml-db', 'fail', 'closed', 'x'))['remediation']
    assert '{port}' in text


def test_variants_must_be_text():
    entry = dict(_catalogue.load().get('server.admin-rights'), remediations={'not-admin': ''})
    entry.pop('scope')
    entry.pop('owner')
    with pytest.raises(_catalogue.CatalogueError, match='remediations'):
        _catalogue._check_entry(0, entry, _catalogue.load().features, _catalogue.load().peers, _catalogue.load().owners)
