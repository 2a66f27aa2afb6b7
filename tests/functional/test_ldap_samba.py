# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ldap_attribute_check against a real Samba AD DC: AD defaults, LDAPS, strongerAuthRequired, binary objectGUID."""

from __future__ import annotations

import ssl

import ldap3
import pytest

from tests.lab.collection import catalogue, ldap_audit, ldap_channel, ldap_evaluate, ldap_wire
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
    findings = {f['id']: catalogue.enrich(f) for f in ldap_evaluate.evaluate(audit, _options(samba))}
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
    findings = {f['id']: catalogue.enrich(f) for f in ldap_evaluate.evaluate(audit, _options(samba))}
    assert (findings['ldap.integration-account']['status'], findings['ldap.integration-account']['reason']) == ('fail', 'stronger-auth-required')
    assert 'ldaps or starttls' in findings['ldap.integration-account']['remediation']


def test_wrong_password_on_ad(samba):
    audit = ldap_audit.audit(_options(samba, bind_password='wrong'))
    findings = {f['id']: catalogue.enrich(f) for f in ldap_evaluate.evaluate(audit, _options(samba))}
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
    finding = {f['id']: catalogue.enrich(f) for f in ldap_evaluate.evaluate(ldap_audit.audit(options), options)}['ldap.integration-account']
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
        finding = {f['id']: catalogue.enrich(f) for f in ldap_evaluate.evaluate(ldap_audit.audit(options), options)}['ldap.integration-account']
    finally:
        samba.samba_tool('domain', 'passwordsettings', 'set', '--account-lockout-threshold=0')
    assert (finding['status'], finding['reason']) == ('fail', 'account-locked')
    assert finding['remediation'] == 'Unlock the integration account.'


def test_disabled_users_in_scope_are_counted_and_the_suggested_filter_leaves_them_out(samba):
    samba.add_user('dave', given_name='Dave', surname='D', mail_address='dave@lab.test', department='D4')
    samba.samba_tool('user', 'disable', 'dave')
    try:
        audit = ldap_audit.audit(_options(samba))
        finding = {f['id']: catalogue.enrich(f) for f in ldap_evaluate.evaluate(audit, _options(samba))}['ldap.user-containers']
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
    # the DC's certificate, read after the StartTLS operation, is the one LDAPS presents and is judged the same way
    tls = over_starttls['servers'][0]['tls']
    assert tls is not None and tls['valid'] and tls['not_after'] == over_ldaps['servers'][0]['tls']['not_after']


def test_an_anonymous_bind_that_may_not_search_fails_the_account(samba):
    """AD binds anonymously, then refuses the search (operationsError, 000004DC): the account cannot list a record."""
    audit, findings = _findings(_options(samba, bind_dn=None, bind_password=None))
    assert audit['bound'] and audit['containers'][0]['reason'] == 'search-failed', audit['containers']
    assert audit['containers'][0]['code'] == 'operationsError'
    account = findings['ldap.integration-account']
    assert (account['status'], account['reason']) == ('fail', 'search-refused'), account['detail']
    assert findings['ldap.login']['status'] == 'error' and findings['ldap.replication']['status'] == 'error'


HIDDEN, OPEN, ATTRS, NOLIST, NOWHERE = ('OU=%s,%s' % (ou, BASE_DN) for ou in ('Hidden', 'Open', 'Attrs', 'NoList', 'Nowhere'))


def _sid(name):
    connection = ldap3.Connection(ldap3.Server('127.0.0.1', 636, use_ssl=True, tls=ldap3.Tls(validate=ssl.CERT_NONE)), 'Administrator@lab.test',
                                  ADMIN_PASSWORD, auto_bind=True)
    connection.search(BASE_DN, '(sAMAccountName=%s)' % name, attributes=['objectSid'])
    sid = str(connection.entries[0].objectSid)
    connection.unbind()
    return sid


@pytest.fixture(scope='module')
def acl_lab(samba):
    """OUs with users: Hidden denies the integration account (sync) List Contents and Read Property (a Deny ACE for its SID,
    inherited below), NoList denies it List Contents only, in Attrs one user denies it Read Property on department, Open is
    readable; sync-ok is a second, ordinary account that may read everything."""
    for ou in (HIDDEN, OPEN, ATTRS, NOLIST):
        samba.add_ou(ou)
    samba.add_user_in('hidden1', HIDDEN, given_name='Hid', surname='One', mail_address='h1@lab.test', department='D1')
    samba.add_user_in('hidden2', HIDDEN, given_name='Hid', surname='Two', mail_address='h2@lab.test', department='D1')
    samba.add_user_in('nolist1', NOLIST, given_name='No', surname='List', mail_address='n1@lab.test', department='D5')
    samba.add_user_in('open1', OPEN, given_name='Open', surname='One', mail_address='o1@lab.test', department='D2')
    samba.add_user_in('attrs1', ATTRS, given_name='Attr', surname='One', mail_address='a1@lab.test', department='D3')
    samba.add_user('sync')
    samba.add_user('sync-ok')
    sid = _sid('sync')
    samba.set_acl(HIDDEN, '(D;CI;LCRP;;;%s)' % sid)
    samba.set_acl(NOLIST, '(D;;LC;;;%s)' % sid)
    # On the user itself: an inherited Deny from the OU would come after the user's explicit Allow entries and lose to them.
    samba.set_acl('CN=Attr One,' + ATTRS, '(OD;;RP;bf96794f-0de6-11d0-a285-00aa003049e2;;%s)' % sid)  # department's schemaIDGUID
    return {'sid': sid}


def _as(samba, name, **overrides):
    return _options(samba, bind_dn='%s@lab.test' % name, bind_password='Us3r-Secret-' + name, **overrides)


def _findings(options):
    audit = ldap_audit.audit(options)
    return audit, {f['id']: catalogue.enrich(f) for f in ldap_evaluate.evaluate(audit, options)}


def test_an_ou_the_account_may_not_list_fails_as_container_unreadable(samba, acl_lab):
    """AD answers the denied account's searches with success and no entries: the audit must not call that an empty OU."""
    options = _as(samba, 'sync', base_dns=[HIDDEN, OPEN])
    audit, findings = _findings(options)
    hidden = audit['containers'][0]
    assert audit['acl_checked'] and (hidden['reason'], hidden['listable'], hidden['exists']) == ('container-unreadable', False, True)
    assert 'objectClass, name come back empty' in hidden['error']
    containers, account = findings['ldap.user-containers'], findings['ldap.integration-account']
    assert (containers['status'], containers['reason']) == ('fail', 'container-unreadable')
    assert (account['status'], account['reason']) == ('fail', 'container-unreadable')
    assert HIDDEN in account['detail'] and 'List Contents and Read Property' in account['remediation']
    assert 'container-empty' not in containers['reasons'] and audit['containers'][1]['users'] == 1


def test_the_same_audit_with_an_account_that_may_read_passes(samba, acl_lab):
    options = _as(samba, 'sync-ok', base_dns=[HIDDEN, OPEN])
    audit, findings = _findings(options)
    assert [c['users'] for c in audit['containers']] == [2, 1]
    assert (findings['ldap.user-containers']['status'], findings['ldap.user-containers']['reason']) == ('pass', 'containers-listed')
    assert (findings['ldap.integration-account']['status'], findings['ldap.integration-account']['reason']) == ('pass', 'bind-and-read')
    assert findings['ldap.department']['status'] == 'pass' and audit['unreadable_attributes'] == {}


def test_list_contents_denied_alone_is_found_in_the_dacl(samba, acl_lab):
    """The OU's own attributes stay readable; only List Contents is denied: the DACL check names the ACE."""
    audit, findings = _findings(_as(samba, 'sync', base_dns=[NOLIST]))
    container = audit['containers'][0]
    assert container['reason'] == 'container-unreadable'
    assert container['error'] == 'List Contents is denied to it by an ACE for %s' % acl_lab['sid']
    assert findings['ldap.integration-account']['reason'] == 'container-unreadable'


def test_a_privileged_account_tells_hidden_from_missing_and_counts_what_is_hidden_below_the_root(samba, acl_lab):
    options = _as(samba, 'sync', base_dns=[BASE_DN, NOWHERE], privileged_bind_dn='Administrator@lab.test',
                  privileged_bind_password=ADMIN_PASSWORD)
    audit, findings = _findings(options)
    root, nowhere = audit['containers']
    assert root['naming_context'] and root['reason'] == 'container-unreadable'
    assert root['privileged_users'] - root['users'] == 3  # hidden1, hidden2 and nolist1
    assert nowhere['reason'] == 'container-missing'
    assert audit['privileged']['bound'] and ADMIN_PASSWORD not in repr(audit) + repr(findings)
    assert findings['ldap.user-containers']['reasons'][:2] == ['container-unreadable', 'container-missing']


def test_a_broad_base_dn_says_what_it_cannot_see(samba, acl_lab):
    audit, findings = _findings(_as(samba, 'sync', base_dns=[BASE_DN]))
    finding = findings['ldap.user-containers']
    assert audit['containers'][0]['naming_context'] and audit['containers'][0]['reason'] is None
    assert 'invisible to it and cannot be reported' in finding['detail'] and 'List the user containers explicitly' in finding['remediation']


def test_a_container_that_does_not_exist_does_not_blame_the_account(samba, acl_lab):
    audit, findings = _findings(_as(samba, 'sync', base_dns=[NOWHERE, OPEN]))
    assert (findings['ldap.user-containers']['status'], findings['ldap.user-containers']['reason']) == ('fail', 'container-missing')
    assert (findings['ldap.integration-account']['status'], findings['ldap.integration-account']['reason']) == ('pass', 'bind-and-read')


def test_an_attribute_the_account_may_not_read_is_not_called_missing(samba, acl_lab):
    audit, findings = _findings(_as(samba, 'sync', base_dns=[ATTRS, OPEN]))
    assert audit['totals']['present']['department'] == 1  # the Attrs user's department is not shown to the account
    item = audit['unreadable_attributes']['department']
    assert item['examples'] == ['CN=Attr One,' + ATTRS] and item['checked'] == 1
    assert item['why'] == ['Read Property is denied to it by an ACE for %s' % acl_lab['sid']]
    department = findings['ldap.department']
    assert (department['status'], department['reason']) == ('fail', 'attribute-unreadable')
    assert 'missing e.g.' not in department['detail'] and 'may not read department' in department['detail']
    assert findings['ldap.integration-account']['reason'] == 'attribute-unreadable'
    readable = _findings(_as(samba, 'sync-ok', base_dns=[ATTRS, OPEN]))[1]['ldap.department']
    assert (readable['status'], readable['reason']) == ('pass', 'coverage-ok')
