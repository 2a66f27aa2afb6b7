# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Evaluation of LDAP audit results (pure; audit data built by the test)."""

from __future__ import annotations

import pytest

from ansible_collections.safeq.preflight.plugins.module_utils.ldap import _ldap_audit, _ldap_evaluate, _ldap_tally
from ansible_collections.safeq.preflight.plugins.plugin_utils import _catalogue

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
    finding = _findings(audit)['ldap.user-containers']
    assert (finding['status'], finding['reason']) == ('warn', 'disabled-users-in-scope')
    assert '2 of the 10 users' in finding['detail'] and 'CN=a; CN=b' in finding['detail']
    assert '(!(userAccountControl:1.2.840.113556.1.4.803:=2))' in finding['remediation']
    clean = {f['id']: f for f in _ldap_evaluate.evaluate(_audit(disabled={'users': 0, 'examples': [], 'flag': 'x'}), OPTIONS)}
    assert clean['ldap.user-containers']['status'] == 'pass'


def _container(dn, users=10, reason=None, error=None, **extra):
    container = {'dn': dn, 'exists': reason != 'container-missing', 'listable': reason is None, 'reason': reason, 'users': users, 'present': {},
                 'missing_examples': {r: [] for r in _ldap_tally.ATTRIBUTE_ROLES}, 'error': error, 'naming_context': False, 'privileged_users': None}
    container.update(extra)
    return container


def _findings(audit, options=None):
    """The findings as the action plugin returns them: with the catalogue's remediation for their reasons."""
    return {f['id']: _catalogue.enrich(f) for f in _ldap_evaluate.evaluate(audit, dict(OPTIONS, **(options or {})))}


def test_an_unreadable_container_fails_both_lines_with_the_fix():
    """AD's answer to a denied account (success, no entries) must never read as an empty container or a readable one."""
    audit = _audit(containers=[_container('OU=Hidden,DC=lab,DC=test', 0, 'container-unreadable', 'List Contents is denied to it by an ACE for S-1-5-21-1'),
                               _container('OU=Open,DC=lab,DC=test')], directory_type='ad')
    findings = _findings(audit)
    containers, account = findings['ldap.user-containers'], findings['ldap.integration-account']
    assert (containers['status'], containers['reason']) == ('fail', 'container-unreadable')
    assert (account['status'], account['reason']) == ('fail', 'container-unreadable')
    assert 'OU=Hidden,DC=lab,DC=test (List Contents is denied to it by an ACE for S-1-5-21-1)' in account['detail']
    assert 'List Contents and Read Property' in account['remediation'] and 'List Contents and Read Property' in containers['remediation']
    assert 'container-empty' not in containers['reasons']  # the unreadable one is not called empty
    assert 'OU=Open,DC=lab,DC=test: 10 user(s)' in containers['detail']


def test_a_container_that_does_not_exist_does_not_blame_the_account():
    audit = _audit(containers=[_container('ou=Nowhere,dc=lab,dc=test', 0, 'container-missing'), _container('ou=People,dc=lab,dc=test')])
    findings = _findings(audit)
    assert (findings['ldap.user-containers']['status'], findings['ldap.user-containers']['reason']) == ('fail', 'container-missing')
    assert findings['ldap.user-containers']['remediation'] == 'Correct the container DN (it does not exist).'
    assert (findings['ldap.integration-account']['status'], findings['ldap.integration-account']['reason']) == ('pass', 'bind-and-read')


def test_every_reason_of_an_entry_is_reported():
    audit = _audit(containers=[_container('OU=Empty,DC=lab,DC=test', 0), _container('OU=Staff,DC=lab,DC=test')], directory_type='ad',
                   disabled={'users': 2, 'examples': ['CN=a', 'CN=b'], 'flag': 'userAccountControl & 2'})
    finding = _findings(audit)['ldap.user-containers']
    assert (finding['status'], finding['reason']) == ('warn', 'container-empty')
    assert finding['reasons'] == ['container-empty', 'disabled-users-in-scope']
    assert '[container-empty] No user matches the filter in OU=Empty,DC=lab,DC=test.' in finding['detail']
    assert '[disabled-users-in-scope] 2 of the 10 users' in finding['detail'] and 'OU=Staff,DC=lab,DC=test: 10 user(s)' in finding['detail']
    assert 'Check the container DN and the user filter.' in finding['remediation'] and '803:=2' in finding['remediation']
    several = _findings(_audit(containers=[_container('ou=A,dc=lab,dc=test', 0, 'container-unreadable', 'insufficientAccessRights'),
                                           _container('ou=B,dc=lab,dc=test', 0, 'container-missing'), _container('ou=C,dc=lab,dc=test', 0)]))
    assert several['ldap.user-containers']['reasons'] == ['container-unreadable', 'container-missing', 'container-empty']
    assert several['ldap.user-containers']['status'] == 'fail'


def test_attributes_the_account_may_not_read_are_not_called_missing():
    unreadable = {'department': {'attribute': 'departmentNumber', 'checked': 2, 'examples': ['CN=a,OU=Staff'],
                                 'why': ['Read Property is denied to it by an ACE for S-1-5-21-1']},
                  'email': {'attribute': 'mail', 'checked': 1, 'examples': ['CN=b,OU=Staff'], 'why': ['a privileged account reads a value']}}
    audit = _audit(present={'department': 8, 'email': 9}, unreadable_attributes=unreadable)
    findings = _findings(audit)
    department, email = findings['ldap.department'], findings['ldap.email']
    assert (department['status'], department['reason']) == ('fail', 'attribute-unreadable')
    assert 'missing e.g.' not in department['detail'] and 'may not read departmentNumber on 1 of the 2 users' in department['detail']
    assert 'Read Property' in department['remediation']
    # e-mail's coverage (90 %) meets its threshold, but a value the account cannot see is still a warning, never a pass
    assert (email['status'], email['reason']) == ('warn', 'attribute-unreadable')
    account = findings['ldap.integration-account']
    assert (account['status'], account['reason']) == ('fail', 'attribute-unreadable')
    assert 'department (departmentNumber) on 1 of the 2 example users checked' in account['detail']


def test_duplicates_and_unreadable_values_are_both_reported():
    dup = {'login': {'values': 1, 'examples': [{'value': 'a', 'entries': 2, 'dns': ['uid=a', 'uid=b']}]}}
    unreadable = {'login': {'attribute': 'uid', 'checked': 1, 'examples': ['uid=c'], 'why': ['a privileged account reads a value']}}
    finding = _findings(_audit(present={'login': 9}, duplicates=dup, unreadable_attributes=unreadable))['ldap.login']
    assert (finding['status'], finding['reason'], finding['reasons']) == ('fail', 'duplicates', ['duplicates', 'attribute-unreadable'])


def test_a_broad_base_dn_says_what_it_cannot_see_unless_a_privileged_account_compared():
    root = _container('DC=lab,DC=test', naming_context=True)
    finding = _findings(_audit(containers=[root]))['ldap.user-containers']
    assert (finding['status'], finding['reason']) == ('pass', 'containers-listed')
    assert 'DC=lab,DC=test is the root of a naming context: an OU under it that the integration account may not list is invisible' in finding['detail']
    assert 'List the user containers explicitly' in finding['remediation']
    compared = _audit(containers=[dict(root, privileged_users=10)], privileged={'bind_dn': 'auditor', 'bound': True, 'reason': None, 'message': None})
    findings = _findings(compared)
    assert 'invisible' not in findings['ldap.user-containers']['detail'] and findings['ldap.user-containers']['remediation'] == ''
    assert 'Compared with the privileged account auditor: it sees the same users in 1 container(s).' in findings['ldap.integration-account']['detail']
    with_problem = _findings(_audit(containers=[root, _container('ou=B,dc=lab,dc=test', 0, 'container-missing')]))['ldap.user-containers']
    assert with_problem['reasons'] == ['container-missing', 'broad-base-dn']


def test_a_privileged_bind_that_failed_is_said():
    audit = _audit(privileged={'bind_dn': 'auditor', 'bound': False, 'reason': 'invalid-credentials', 'message': 'data 52e'})
    account = _findings(audit)['ldap.integration-account']
    assert account['status'] == 'pass' and 'its bind failed (invalid-credentials: data 52e)' in account['detail']


def _stopped(dn, reason, code, users, error=None):
    """A container whose stream began and ended before its last entry (as _ldap_audit._read_container leaves it)."""
    return _container(dn, users, reason, error or '%s after %d user(s)' % (code, users), code=code, streamed=True, complete=False,
                      listable=True)


def test_a_size_limit_fails_containers_and_account_and_never_passes_an_attribute_line():
    """slapd's default sizelimit 500 applies to the whole paged result: 500 users read, all complete, no duplicate among them."""
    audit = _audit(users=500, size_limit_hit=True, containers=[_stopped('ou=People,dc=lab,dc=test', 'size-limit', 'sizeLimitExceeded', 500)])
    findings = _findings(audit)
    for entry in ('ldap.user-containers', 'ldap.integration-account'):
        assert (findings[entry]['status'], findings[entry]['reason']) == ('fail', 'size-limit'), findings[entry]
        assert 'olcLimits: dn.exact="cn=sync" size=unlimited' in findings[entry]['remediation']
    assert 'sizeLimitExceeded after 500 user(s)' in findings['ldap.integration-account']['detail']
    for entry in _ldap_evaluate.ATTRIBUTE_ENTRIES + ('ldap.replication',):
        assert (findings[entry]['status'], findings[entry]['reason']) == ('error', 'read-incomplete'), findings[entry]
    assert 'Over the 500 user(s) read (the read of ou=People,dc=lab,dc=test stopped part-way' in findings['ldap.login']['detail']


def test_a_partial_read_keeps_only_the_verdicts_the_unread_users_cannot_change():
    """timeLimitExceeded after some pages: missing mandatory values and duplicates are certain, a coverage that meets its threshold is not."""
    dup = {'card_number': {'values': 1, 'examples': [{'value': '42', 'entries': 2, 'dns': ['uid=a', 'uid=b']}]}}
    audit = _audit(users=200, present={'department': 199, 'email': 190}, duplicates=dup,
                   containers=[_stopped('ou=People,dc=lab,dc=test', 'time-limit', 'timeLimitExceeded', 200)])
    statuses = _statuses(audit)
    assert statuses['ldap.department'] == ('fail', 'coverage-below-threshold')  # one user lacks it: below 100 % whatever follows
    assert statuses['ldap.card-number'] == ('fail', 'duplicates')
    assert statuses['ldap.email'] == ('error', 'read-incomplete')  # 95 % of those read: 90 % may or may not hold overall
    assert statuses['ldap.login'] == ('error', 'read-incomplete')
    assert statuses['ldap.integration-account'] == ('fail', 'time-limit') and statuses['ldap.user-containers'] == ('fail', 'time-limit')
    failed_mid_way = _audit(users=40, containers=[_stopped('ou=People,dc=lab,dc=test', 'search-failed', 'busy', 40)])
    assert _statuses(failed_mid_way)['ldap.login'] == ('error', 'read-incomplete')


def test_nothing_read_is_not_evaluated_rather_than_zero_percent():
    audit = _audit(users=0, containers=[_container('ou=People,dc=lab,dc=test', 0, 'container-unreadable', 'insufficientAccessRights')])
    statuses = _statuses(audit)
    for entry in _ldap_evaluate.ATTRIBUTE_ENTRIES + ('ldap.replication',):
        assert statuses[entry] == ('error', 'no-users-read'), entry
    empty = _findings(_audit(users=0, containers=[_container('ou=Empty,dc=lab,dc=test', 0)]))
    assert (empty['ldap.login']['status'], empty['ldap.login']['reason']) == ('error', 'no-users-read')
    assert 'hold no user the filter matches: ou=Empty,dc=lab,dc=test' in empty['ldap.login']['detail']


def test_connection_lost_mid_audit_makes_the_containers_line_an_error():
    lost = _container('ou=People,dc=lab,dc=test', 120, 'connection-lost', 'the server closed the connection', streamed=True, complete=False)
    later = _container('ou=Staff,dc=lab,dc=test', 0, 'connection-lost', 'not read: the connection was lost before', listable=False)
    audit = _audit(users=120, containers=[lost, later], error='the directory connection failed during the audit: the server closed the connection')
    finding = _findings(audit)['ldap.user-containers']
    assert (finding['status'], finding['reason']) == ('error', 'connection-lost')
    assert 'ou=People,dc=lab,dc=test (120 user(s) counted), ou=Staff,dc=lab,dc=test' in finding['detail']


@pytest.mark.parametrize('code', ['operationsError', 'confidentialityRequired'])
def test_an_account_refused_every_search_fails(code):
    """Anonymous on AD (operationsError 000004DC), OpenLDAP without TLS (confidentialityRequired): bound, but it cannot list a record."""
    audit = _audit(users=0, containers=[_container('ou=People,dc=lab,dc=test', 0, 'search-failed', '%s: 000004DC' % code, code=code, listable=False)])
    account = _findings(audit, {'bind_dn': None})['ldap.integration-account']
    assert (account['status'], account['reason']) == ('fail', 'search-refused')
    assert 'anonymous bound, but the server refuses it the search of: ou=People,dc=lab,dc=test (%s: 000004DC)' % code in account['detail']
    assert account['remediation']


def test_an_account_that_listed_nothing_is_not_a_pass():
    audit = _audit(users=0, containers=[_container('ou=Nowhere,dc=lab,dc=test', 0, 'container-missing')])
    assert _statuses(audit)['ldap.integration-account'] == ('error', 'nothing-listed')


def _attempts(*attempts):
    return [{'host': host, 'bound': reason is None, 'reason': reason, 'message': message} for host, reason, message in attempts]


def test_a_failed_bind_on_the_primary_server_fails_even_when_another_binds():
    audit = _audit(bind_server='dc2', bind_attempts=_attempts(('dc1', 'account-locked', 'AcceptSecurityContext error, data 775, v3839'),
                                                              ('dc2', None, None)))
    account = _findings(audit)['ldap.integration-account']
    assert (account['status'], account['reason']) == ('fail', 'account-locked')
    assert 'Bind as cn=sync on dc1 (the primary server) failed: AcceptSecurityContext error, data 775' in account['detail']
    assert account['remediation'].startswith('Unlock the integration account.')


def test_a_failed_bind_on_a_further_server_warns():
    audit = _audit(servers=_audit()['servers'] * 1, bind_attempts=_attempts(('dc1', None, None), ('dc2', 'stronger-auth-required', 'x')))
    account = _findings(audit)['ldap.integration-account']
    assert (account['status'], account['reason']) == ('warn', 'stronger-auth-required')
    assert 'on dc2 (a further server SafeQ falls back to) failed' in account['detail']


def test_an_attribute_given_by_an_alias_is_named_with_its_schema_name():
    audit = _audit(attributes=dict(_ldap_audit.DEFAULT_ATTRIBUTES['openldap'], surname='sn'), attribute_aliases={'surname': 'surname'})
    finding = _findings(audit)['ldap.name-surname']
    assert finding['status'] == 'pass' and 'surname (sn, given as surname): 10 of 10 users' in finding['detail']


def test_an_audit_that_only_flags_the_size_limit_or_names_the_code_in_its_error_is_not_a_pass():
    """Audit data without the container fields (saved by an older version, or built by hand) is read conservatively."""
    statuses = _statuses(_audit(users=500, size_limit_hit=True))
    assert statuses['ldap.user-containers'] == ('fail', 'size-limit') and statuses['ldap.integration-account'] == ('fail', 'size-limit')
    assert statuses['ldap.login'] == ('error', 'read-incomplete')
    refused = _audit(users=0)
    refused['containers'][0].update(reason='search-failed', error='operationsError: 000004DC: LdapErr: DSID-0C090A5C', listable=False)
    assert _statuses(refused, {'bind_dn': None})['ldap.integration-account'] == ('fail', 'search-refused')
