# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The catalogue covers every line of the checklist, verbatim, and validates its own shape."""

from __future__ import annotations

import copy
import json
import os
import re

import pytest
import yaml

from ansible_collections.safeq.preflight.plugins.plugin_utils import _catalogue

HERE = os.path.dirname(os.path.abspath(__file__))
CHECKLIST = os.path.join(HERE, '..', '..', 'data', 'safeq-cml-preinstall-checklist.txt')
SEED_NAME = os.path.join('shared', 'seed', 'safeq-cml-preinstall-checklist.txt')


def _seed_path(environ=None, start=HERE):
    """The shared seed: ``SAFEQ_SEED`` when set, else the first ``shared/seed/...`` found in ``start`` or a directory
    above it (a clone in /work/main and a worktree in /work/wt/<name> both reach /work/shared); None when there is none."""
    environ = os.environ if environ is None else environ
    if environ.get('SAFEQ_SEED'):
        return environ['SAFEQ_SEED']
    here = os.path.abspath(start)
    while True:
        candidate = os.path.join(here, SEED_NAME)
        if os.path.isfile(candidate):
            return candidate
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def _seed_or_missing(environ=None, start=HERE):
    """(path, None) for a readable seed, else (None, why); ``make seed-check`` sets SAFEQ_SEED_REQUIRED=1: then a
    missing seed fails the check instead of skipping it."""
    path = _seed_path(environ, start)
    if path and os.path.isfile(path):
        return path, None
    return None, ('SAFEQ_SEED=%s is not a file' % path if path else
                  'no %s in %s or a directory above it, and SAFEQ_SEED is not set' % (SEED_NAME, os.path.abspath(start)))


def _lines():
    with open(CHECKLIST, encoding='utf-8') as handle:
        return handle.read().splitlines()


@pytest.fixture(scope='module')
def catalogue():
    return _catalogue.load()


def test_copy_of_the_checklist_is_the_seed():
    seed_path, missing = _seed_or_missing()
    if missing:
        if os.environ.get('SAFEQ_SEED_REQUIRED') == '1':
            pytest.fail('the shared seed is required (make seed-check) but missing: %s' % missing)
        pytest.skip('the shared seed is not found: %s' % missing)
    with open(seed_path, encoding='utf-8') as seed, open(CHECKLIST, encoding='utf-8') as copy_:
        assert seed.read() == copy_.read()


def test_seed_is_found_above_a_worktree_or_by_its_variable(tmp_path):
    """Ground truth: a seed in tmp/shared/seed, a checkout four directories below it (as /work/wt/<name>/tests/...)."""
    seed = tmp_path / 'shared' / 'seed' / 'safeq-cml-preinstall-checklist.txt'
    seed.parent.mkdir(parents=True)
    seed.write_text('x')
    deep = tmp_path / 'wt' / 'helper' / 'tests' / 'unit'
    deep.mkdir(parents=True)
    assert _seed_or_missing({}, str(deep)) == (str(seed), None)
    other = tmp_path / 'elsewhere.txt'
    other.write_text('y')
    assert _seed_or_missing({'SAFEQ_SEED': str(other)}, str(deep)) == (str(other), None)
    path, why = _seed_or_missing({'SAFEQ_SEED': str(tmp_path / 'nope.txt')}, str(deep))
    assert path is None and 'SAFEQ_SEED=' in why
    seed.unlink()
    path, why = _seed_or_missing({}, str(deep))
    assert path is None and 'SAFEQ_SEED is not set' in why


def test_every_checklist_line_is_an_entry_source_or_classified(catalogue):
    covered = {}
    for entry in catalogue.entries:
        for line in entry['source'].split('\n'):
            covered.setdefault(line, []).append(entry['id'])
    classified = [item['line'] for item in catalogue.non_requirement_lines]
    lines = _lines()
    for number, line in enumerate(lines, 1):
        assert line in covered or line in classified, 'line %d is neither a requirement nor classified: %s' % (number, line)
    # each entry's whole source (joined wrapped lines) appears verbatim, as consecutive lines
    text = '\n'.join(lines)
    for entry in catalogue.entries:
        assert entry['source'] in text, entry['id']
    # classified lines are only headings, titles and table headers, and the counts add up
    assert len(catalogue.entries) + len(classified) + 5 == len(lines)  # + the 5 continuation lines of two wrapped rows


def test_every_port_table_row_is_one_entry(catalogue):
    lines = _lines()
    # independent count: table rows start with a requirement word and hold "| TCP |", "| UDP |" or "| UDP Multicast |",
    # or start with "| TCP |" (a row whose first cell wrapped onto the previous line)
    rows = [line for line in lines if re.search(r'\| (TCP|UDP|UDP Multicast) \|', line) and not line.startswith('Required')]
    port_entries = [e for e in catalogue.entries if 'protocol' in e]
    assert rows and len(port_entries) == len(rows)
    assert sum(1 for e in port_entries if e['id'].startswith('net.cluster.')) == 3
    wrapped = {e['id']: e['source'].count('\n') + 1 for e in port_entries if '\n' in e['source']}
    assert wrapped == {'net.ws-in.tcp-9000': 5, 'net.ws-in.tcp-9005': 2}


def test_server_and_ldap_lines(catalogue):
    server = [e for e in catalogue.entries if e['id'].startswith('server.')]
    ldap = [e for e in catalogue.entries if e['area'] == 'ldap']
    assert len(server) == 15 and len(ldap) == 11
    assert catalogue.get('server.external-db-accounts')['kind'] == 'manual'
    assert catalogue.get('net.other.udp-1434-cml-db')['implemented_by'] == 'sql_browser_probe'


@pytest.mark.parametrize('entry_id, features, role, expected', [
    ('server.admin-rights', [], 'cml', (True, 'applies')),
    ('net.other.udp-1434-cml-db', [], 'cml', (False, 'feature-not-used')),
    ('net.other.udp-1434-cml-db', ['external_db'], 'cml', (True, 'applies')),
    ('net.other.udp-1434-cml-db', ['external_db'], 'ors', (False, 'role-not-in-scope')),
    ('net.printer-in.tcp-389-internal-ldap', ['embedded_toshiba'], 'cml', (True, 'applies')),
])
def test_applicability(catalogue, entry_id, features, role, expected):
    assert _catalogue.applicability(catalogue.get(entry_id), features, role) == expected


def test_enrich_fills_source_and_remediation(catalogue):
    item = _catalogue.enrich({'id': 'server.admin-rights', 'status': 'fail', 'reason': 'x', 'detail': '', 'remediation': '', 'source': ''})
    assert item['source'] == 'Administrator rights are required in order to perform the installation.'
    assert item['remediation'] == catalogue.get('server.admin-rights')['remediation']
    passing = _catalogue.enrich({'id': 'server.admin-rights', 'status': 'pass', 'reason': 'x', 'detail': '', 'remediation': '', 'source': ''})
    assert passing['remediation'] == ''
    with pytest.raises(_catalogue.CatalogueError, match="'server.nope' is not a catalogue entry id"):
        catalogue.get('server.nope')


def _broken(tmp_path, mutate):
    with open(_catalogue.DEFAULT_PATH, encoding='utf-8') as handle:
        document = yaml.safe_load(handle)
    document = copy.deepcopy(document)
    mutate(document)
    path = tmp_path / 'catalogue.yml'
    path.write_text(yaml.safe_dump(document))
    return str(path)


@pytest.mark.parametrize('mutate, message', [
    (lambda d: d['entries'].append(dict(d['entries'][0])), 'duplicate id server.supported-platform'),
    (lambda d: d['entries'][0]['applies_when'].append('clustr'), "feature 'clustr' is not one of"),
    (lambda d: d['entries'][-1].update(ports=[0]), 'ports must be'),
    (lambda d: d['entries'][-1].update(ports={'from': 9, 'to': 2}), 'port range'),
    (lambda d: d['entries'][0].update(colour='red'), 'unknown key(s) colour'),
    (lambda d: d['entries'][0].pop('source'), 'missing key(s) source'),
    (lambda d: d['entries'][0].update(requirement='nice'), "requirement 'nice'"),
    (lambda d: d.update(schema_version=2), 'schema_version must be 1'),
    (lambda d: d['entries'][0].update(node_can_apply=True), 'node_can_apply must be true or false, on an entry with applies_when'),
    (lambda d: d['entries'][0].update(node_can_apply='yes', applies_when=['cluster']), 'node_can_apply must be true or false'),
])
def test_schema_errors_are_precise(tmp_path, mutate, message):
    with pytest.raises(_catalogue.CatalogueError) as info:
        _catalogue.load(_broken(tmp_path, mutate))
    assert message in str(info.value)


def test_unknown_helpers(catalogue):
    assert _catalogue.unknown_features(['cluster', 'clustr'], catalogue) == ['clustr']
    assert _catalogue.unknown_ids(['server.admin-rights', 'x.y'], catalogue) == ['x.y']
    rows = _catalogue.summary_rows(catalogue, ['cluster'], 'cml')
    assert len(rows) == len(catalogue) and {r['applies'] for r in rows} == {True, False}


def test_the_shipped_json_copy_is_current():
    """Workers load catalogue.json when it was made from catalogue.yml's very bytes: after editing the YAML, run make catalogue-json."""
    with open(_catalogue.json_path(_catalogue.DEFAULT_PATH), encoding='utf-8') as handle:
        assert handle.read() == _catalogue.json_copy(), 'catalogue.json is stale: run make catalogue-json'


def test_the_json_copy_is_read_only_when_made_from_the_same_yaml(tmp_path):
    path = tmp_path / 'catalogue.yml'
    with open(_catalogue.DEFAULT_PATH, encoding='utf-8') as handle:
        path.write_text(handle.read(), encoding='utf-8')
    copy_doc = json.loads(_catalogue.json_copy(str(path)))
    copy_doc['document']['entries'][0]['title'] = 'read from the JSON copy'
    (tmp_path / 'catalogue.json').write_text(json.dumps(copy_doc), encoding='utf-8')
    assert _catalogue._read(str(path))['entries'][0]['title'] == 'read from the JSON copy'  # pylint: disable=protected-access
    # the YAML changed after the copy was made: the copy is ignored, the YAML is the truth
    path.write_text(path.read_text(encoding='utf-8').replace('id: server.supported-platform', 'id: server.supported-platform-x', 1),
                    encoding='utf-8')
    assert _catalogue._read(str(path))['entries'][0]['id'] == 'server.supported-platform-x'  # pylint: disable=protected-access
    # a copy that is not JSON is ignored too
    (tmp_path / 'catalogue.json').write_text('{not json', encoding='utf-8')
    assert _catalogue._read(str(path))['entries'][0]['id'] == 'server.supported-platform-x'  # pylint: disable=protected-access
