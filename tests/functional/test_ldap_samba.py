# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ldap_attribute_check against a real Samba AD DC: AD defaults, LDAPS, strongerAuthRequired, binary objectGUID."""

from __future__ import annotations

import ssl

import ldap3
import pytest

from tests.lab.collection import ldap_audit, ldap_channel, ldap_evaluate, ldap_wire
from tests.lab.samba_dc import ADMIN_PASSWORD, BASE_DN, SambaDC

USERS = 'CN=Users,' + BASE_DN


@pytest.fixture(scope='module')
def samba(tmp_path_factory):
    with SambaDC(str(tmp_path_factory.mktemp('samba'))) as dc:
        dc.add_user('alice', given_name='Alice', surname='A', mail_address='alice@lab.test', department='D1')
        dc.add_user('bob', given_name='Bob', surname='B', department='D2')
        dc.add_user('carol', given_name='Carol', surname='C', mail_address='carol@lab.test')
        yield dc


def _options(dc, **overrides):
    options = {'servers': ['127.0.0.1'], 'port': 636, 'security': 'ldaps', 'ca_file': dc.ca_file, 'validate_certs': True,
               'tls_server_name': 'DC1.lab.test', 'bind_dn': 'Administrator@lab.test', 'bind_password': ADMIN_PASSWORD, 'domains': ['lab.test'],
               'base_dns': [USERS], 'user_filter': '(&(objectCategory=person)(objectClass=user)(givenName=*))', 'directory_type': 'auto',
               'attributes': {}, 'thresholds': {}, 'page_size': 100, 'sample_size': 3, 'timeout': 10.0}
    options.update(overrides)
    return options


def test_active_directory_over_ldaps(samba):
    audit = ldap_audit.audit(_options(samba))
    findings = {f['id']: f for f in ldap_evaluate.evaluate(audit, _options(samba))}
    assert audit['bound'] and audit['directory_type'] == 'ad'
    assert audit['attributes']['login'] == 'sAMAccountName' and audit['attributes']['unique_id'] == 'objectGUID'
    assert audit['totals']['users'] == 3
    assert audit['totals']['present']['department'] == 2 and audit['totals']['present']['email'] == 2
    assert findings['ldap.primary-server']['status'] == 'pass'
    assert findings['ldap.department']['status'] == 'fail' and 'carol' in findings['ldap.department']['detail'].lower()
    assert 'objectGUID is binary' in findings['ldap.unique-id']['detail']
    assert findings['ldap.domain-names']['status'] == 'pass'
    assert audit['change_tracking']['uSNChanged'] == 3 and findings['ldap.replication']['status'] == 'pass'


def test_simple_bind_without_tls_is_refused_like_hardened_ad(samba):
    audit = ldap_audit.audit(_options(samba, security='none', port=389))
    findings = {f['id']: f for f in ldap_evaluate.evaluate(audit, _options(samba))}
    assert (findings['ldap.integration-account']['status'], findings['ldap.integration-account']['reason']) == ('fail', 'stronger-auth-required')
    assert 'ldaps or starttls' in findings['ldap.integration-account']['remediation']


def test_wrong_password_on_ad(samba):
    audit = ldap_audit.audit(_options(samba, bind_password='wrong'))
    findings = {f['id']: f for f in ldap_evaluate.evaluate(audit, _options(samba))}
    assert findings['ldap.integration-account']['reason'] == 'invalid-credentials'


def _stream(samba, base, attributes):
    """Every entry under ``base`` as the audit's own channel and decoder read it: {dn: {name: sorted values}}."""
    channel = ldap_channel.open_channel('127.0.0.1', 636, 'ldaps', 10.0, 'Administrator@lab.test', ADMIN_PASSWORD)
    try:
        search = ldap_wire.PagedSearch(channel, channel.next_message_id, base, ldap_wire.encode_filter('(objectClass=*)'), attributes, 7)
        entries = {dn.decode(): {name.decode(): sorted(values) for name, values in attrs.items()} for page in search.pages() for dn, attrs in page}
    finally:
        channel.close()
    return search, entries


def test_the_stream_decodes_what_ldap3_decodes_from_active_directory(samba):
    """The independent client (ldap3's paged search) and the audit's stream read the same domain: same DNs, same raw values."""
    attributes = ['sAMAccountName', 'objectGUID', 'objectSid', 'userAccountControl', 'uSNChanged', 'whenChanged', 'member', 'description']
    search, ours = _stream(samba, BASE_DN, attributes)
    connection = ldap3.Connection(ldap3.Server('127.0.0.1', 636, use_ssl=True, tls=ldap3.Tls(validate=ssl.CERT_NONE)), 'Administrator@lab.test',
                                  ADMIN_PASSWORD, auto_bind=True)
    theirs = {}
    for item in connection.extend.standard.paged_search(BASE_DN, '(objectClass=*)', attributes=attributes, paged_size=7, generator=True):
        if item['type'] == 'searchResEntry':
            theirs[item['dn']] = {name.lower(): sorted(values) for name, values in item['raw_attributes'].items() if values}
    connection.unbind()
    assert search.result == 'success' and search.pages_read > 10 and len(ours) > 100
    assert ours == theirs
    assert search.references > 0  # AD refers subtree searches of the domain to its DNS and configuration partitions


def test_a_disabled_integration_account_is_named(samba):
    samba.add_user('sync-disabled')
    samba.samba_tool('user', 'disable', 'sync-disabled')
    options = _options(samba, bind_dn='sync-disabled@lab.test', bind_password='Us3r-Secret-sync-disabled')
    finding = {f['id']: f for f in ldap_evaluate.evaluate(ldap_audit.audit(options), options)}['ldap.integration-account']
    assert (finding['status'], finding['reason']) == ('fail', 'account-disabled')
    assert finding['remediation'] == 'Enable the integration account.'
    assert 'Us3r-Secret' not in repr(finding)


def test_a_locked_out_integration_account_is_named(samba):
    """Two wrong passwords with a lockout threshold of 2, then the right one: AD answers data 775 (locked)."""
    samba.add_user('sync-locked')
    samba.samba_tool('domain', 'passwordsettings', 'set', '--account-lockout-threshold=2')
    try:
        options = _options(samba, bind_dn='sync-locked@lab.test', bind_password='Us3r-Secret-sync-locked')
        for dummy in range(2):
            wrong = ldap_audit.audit(dict(options, bind_password='not-the-password'))
            assert wrong['bind_reason'] == 'invalid-credentials'
        finding = {f['id']: f for f in ldap_evaluate.evaluate(ldap_audit.audit(options), options)}['ldap.integration-account']
    finally:
        samba.samba_tool('domain', 'passwordsettings', 'set', '--account-lockout-threshold=0')
    assert (finding['status'], finding['reason']) == ('fail', 'account-locked')
    assert finding['remediation'] == 'Unlock the integration account.'


def test_disabled_users_in_scope_are_counted_and_the_suggested_filter_leaves_them_out(samba):
    samba.add_user('dave', given_name='Dave', surname='D', mail_address='dave@lab.test', department='D4')
    samba.samba_tool('user', 'disable', 'dave')
    try:
        audit = ldap_audit.audit(_options(samba))
        finding = {f['id']: f for f in ldap_evaluate.evaluate(audit, _options(samba))}['ldap.user-containers']
        excluding = _options(samba, user_filter='(&(objectCategory=person)(objectClass=user)(givenName=*)'
                                                '(!(userAccountControl:1.2.840.113556.1.4.803:=2)))')
        without = ldap_audit.audit(excluding)
    finally:
        samba.samba_tool('user', 'delete', 'dave')
    assert audit['totals']['users'] == 4 and audit['disabled']['users'] == 1
    assert audit['disabled']['examples'] == ['CN=Dave D,' + USERS]  # samba-tool names the entry by given name and surname
    assert (finding['status'], finding['reason']) == ('warn', 'disabled-users-in-scope')
    assert '1.2.840.113556.1.4.803:=2' in finding['remediation']
    assert without['totals']['users'] == 3 and without['disabled']['users'] == 0


def test_starttls_on_389_reads_the_same_as_ldaps(samba):
    over_ldaps = ldap_audit.audit(_options(samba))
    over_starttls = ldap_audit.audit(_options(samba, security='starttls', port=389))
    assert over_starttls['bound'] and over_starttls['error'] is None
    assert over_starttls['totals'] == over_ldaps['totals'] and over_starttls['totals']['users'] == 3
