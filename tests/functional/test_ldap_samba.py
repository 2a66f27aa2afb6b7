# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ldap_attribute_check against a real Samba AD DC: AD defaults, LDAPS, strongerAuthRequired, binary objectGUID."""

from __future__ import annotations

import pytest

from tests.lab.collection import ldap_audit, ldap_evaluate
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
