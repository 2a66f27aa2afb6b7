# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Evaluation of LDAP audit results (pure; audit data built by the test)."""

from __future__ import annotations

import pytest

from ansible_collections.safeq.preflight.plugins.module_utils import _ldap_audit, _ldap_evaluate, _ldap_tally

OPTIONS = {'security': 'ldaps', 'bind_dn': 'cn=sync', 'domains': ['lab.test'], 'sample_size': 3, 'thresholds': {}}


def _audit(users=10, present=None, duplicates=None, **overrides):
    audit = {
        'servers': [{'host': 'dc1', 'port': 636, 'reachable': True, 'error': None, 'rtt_ms': 1.0,
                     'tls': {'protocol': 'TLSv1.3', 'subject': 'CN=dc1', 'issuer': 'CN=CA', 'sans': ['dc1'], 'not_after': 'x', 'days_to_expiry': 300,
                             'valid': True, 'name_matches': True, 'error': None}}],
        'bound': True, 'bind_server': 'dc1', 'bind_reason': None, 'bind_message': None,
        'root_dse': {'vendor': 'OpenLDAP', 'naming_contexts': ['dc=lab,dc=test'], 'paged_results': True, 'default_naming_context': None},
        'directory_type': 'openldap', 'attributes': dict(_ldap_audit.DEFAULT_ATTRIBUTES['openldap']),
        'containers': [{'dn': 'ou=People,dc=lab,dc=test', 'exists': True, 'listable': True, 'reason': None, 'users': users,
                        'present': {}, 'missing_examples': {r: ['uid=x'] for r in _ldap_tally.ATTRIBUTE_ROLES}, 'error': None}],
        'totals': {'users': users, 'present': dict(dict.fromkeys(_ldap_tally.ATTRIBUTE_ROLES, users), **(present or {}))},
        'duplicates': dict({r: {'values': 0, 'examples': []} for r in _ldap_tally.UNIQUE_ROLES}, **(duplicates or {})),
        'change_tracking': {'modifyTimestamp': users, 'entryCSN': users}, 'binary_unique_id': False, 'error': None,
        'size_limit_hit': False, 'unknown_attributes': {},
    }
    audit.update(overrides)
    return audit


def _statuses(audit, options=None):
    return {f['id']: (f['status'], f['reason']) for f in _ldap_evaluate.evaluate(audit, dict(OPTIONS, **(options or {})))}


def test_a_clean_directory_passes_everything():
    assert set(_statuses(_audit()).values()) == {('pass', 'reachable'), ('pass', 'bind-and-read'), ('pass', 'domains-found'),
                                                 ('pass', 'containers-listed'), ('pass', 'coverage-ok'), ('pass', 'differential-ready')}


@pytest.mark.parametrize('present, entry, expected', [
    ({'department': 9}, 'ldap.department', ('fail', 'coverage-below-threshold')),
    ({'email': 8}, 'ldap.email', ('warn', 'coverage-below-threshold')),
    ({'email': 9}, 'ldap.email', ('pass', 'coverage-ok')),
    ({'surname': 9}, 'ldap.name-surname', ('fail', 'coverage-below-threshold')),
])
def test_coverage_thresholds(present, entry, expected):
    assert _statuses(_audit(present=present))[entry] == expected


def test_custom_threshold_and_duplicates():
    assert _statuses(_audit(present={'email': 9}), {'thresholds': {'email': 100}})['ldap.email'] == ('warn', 'coverage-below-threshold')
    dup = {'card_number': {'values': 1, 'examples': [{'value': '42', 'entries': 2, 'dns': ['uid=b']}]}}
    findings = {f['id']: f for f in _ldap_evaluate.evaluate(_audit(duplicates=dup), OPTIONS)}
    assert (findings['ldap.card-number']['status'], findings['ldap.card-number']['reason']) == ('fail', 'duplicates')
    assert '42 (2 entries: uid=b)' in findings['ldap.card-number']['detail']


@pytest.mark.parametrize('tls, reason', [
    ({'days_to_expiry': -2, 'valid': False, 'name_matches': True}, 'cert-expired'),
    ({'valid': False, 'name_matches': False, 'sans': ['other']}, 'cert-name-mismatch'),
    ({'valid': False, 'name_matches': True, 'error': 'self-signed certificate'}, 'cert-untrusted'),
    ({'days_to_expiry': 10}, 'cert-expiring'),
])
def test_tls_problems(tls, reason):
    audit = _audit()
    audit['servers'][0]['tls'].update(tls)
    assert _statuses(audit)['ldap.primary-server'][1] == reason


def test_bind_failure_makes_the_rest_errors_not_passes():
    audit = _audit(bound=False, bind_reason='stronger-auth-required', bind_message='BindSimple: Transport encryption required.', root_dse=None)
    statuses = _statuses(audit)
    assert statuses['ldap.integration-account'] == ('fail', 'stronger-auth-required')
    assert {v for k, v in statuses.items() if k not in ('ldap.primary-server', 'ldap.integration-account')} == {('error', 'bind-failed')}


def test_connection_lost_mid_audit_is_error():
    statuses = _statuses(_audit(error='the directory connection failed during the audit: socket closed'))
    assert statuses['ldap.department'] == ('error', 'connection-lost') and statuses['ldap.integration-account'][0] == 'error'


def test_replication_not_ready_and_domains():
    statuses = _statuses(_audit(change_tracking={'modifyTimestamp': 0, 'entryCSN': 0}), {'domains': ['other.test']})
    assert statuses['ldap.replication'] == ('warn', 'differential-not-ready')
    assert statuses['ldap.domain-names'] == ('fail', 'domain-not-found')
    assert _statuses(_audit(), {'domains': []})['ldap.domain-names'] == ('manual', 'not-configured')


def test_disabled_users_in_scope_warn_with_the_filter_that_leaves_them_out():
    audit = _audit(disabled={'users': 2, 'examples': ['CN=a', 'CN=b'], 'flag': 'userAccountControl & 2'})
    finding = {f['id']: f for f in _ldap_evaluate.evaluate(audit, OPTIONS)}['ldap.user-containers']
    assert (finding['status'], finding['reason']) == ('warn', 'disabled-users-in-scope')
    assert '2 of the 10 users' in finding['detail'] and 'CN=a; CN=b' in finding['detail']
    assert '(!(userAccountControl:1.2.840.113556.1.4.803:=2))' in finding['remediation']
    clean = {f['id']: f for f in _ldap_evaluate.evaluate(_audit(disabled={'users': 0, 'examples': [], 'flag': 'x'}), OPTIONS)}
    assert clean['ldap.user-containers']['status'] == 'pass'
