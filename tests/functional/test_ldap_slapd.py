# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ldap_attribute_check against a real OpenLDAP slapd whose directory the test generates with known defects."""

from __future__ import annotations

import json
import ssl

import ldap3
import pytest
import yaml

from tests.lab import lab
from tests.lab.collection import ldap_audit, ldap_channel, ldap_evaluate, ldap_wire
from tests.lab.slapd import BIND_DN, BIND_PW, ROOT_DN, ROOT_PW, Slapd


def _options(server, **overrides):
    info = server.describe()
    options = {'servers': [server.host], 'port': server.ldaps_port, 'security': 'ldaps', 'ca_file': info['ca_file'], 'validate_certs': True,
               'tls_server_name': None, 'bind_dn': BIND_DN, 'bind_password': BIND_PW, 'domains': ['lab.test'], 'base_dns': info['containers'],
               'user_filter': None, 'directory_type': 'auto', 'attributes': {}, 'thresholds': {}, 'page_size': 25, 'sample_size': 3,
               'timeout': 5.0}
    options.update(overrides)
    return options


def _run(options):
    audit = ldap_audit.audit(options)
    return audit, {f['id']: f for f in ldap_evaluate.evaluate(audit, options)}


@pytest.fixture(scope='module')
def slapd(tmp_path_factory):
    with Slapd(str(tmp_path_factory.mktemp('slapd')), '127.0.0.31', users=120) as server:
        yield server


def test_counts_equal_the_ground_truth(slapd):
    truth = slapd.truth
    audit, findings = _run(_options(slapd))
    assert audit['totals']['users'] == truth['visible_users'] == 120
    counts = {c['dn'].split(',')[0]: c['users'] for c in audit['containers']}
    assert counts == {'ou=People': truth['per_container']['ou=People,dc=lab,dc=test'], 'ou=Staff': truth['per_container']['ou=Staff,dc=lab,dc=test'],
                      'ou=Secret': 0}
    assert audit['totals']['users'] - audit['totals']['present']['department'] == truth['missing']['department']
    assert audit['totals']['users'] - audit['totals']['present']['email'] == truth['missing']['email']
    assert audit['totals']['missing']['department'] == truth['missing']['department']
    assert audit['totals']['coverage']['department'] == round(100.0 * (120 - truth['missing']['department']) / 120, 2)
    assert audit['disabled'] is None  # inetOrgPerson has no standard disabled flag
    assert sorted(e['value'] for e in audit['duplicates']['card_number']['examples']) == sorted(truth['duplicate_card_values'])
    assert [e['value'] for e in audit['duplicates']['login']['examples']] == truth['duplicate_logins']
    assert audit['duplicates']['unique_id']['values'] == 0
    for role in ('card_number', 'login'):  # every holder is named, the first one too
        for example in audit['duplicates'][role]['examples']:
            assert sorted(example['dns']) == sorted(truth['holders'][example['value']]) and example['entries'] == 2, example
    statuses = {k: (v['status'], v['reason']) for k, v in findings.items()}
    assert statuses['ldap.primary-server'] == ('pass', 'reachable')
    assert statuses['ldap.department'] == ('fail', 'coverage-below-threshold')
    assert statuses['ldap.card-number'] == ('fail', 'duplicates')
    assert statuses['ldap.login'] == ('fail', 'duplicates')
    assert statuses['ldap.email'] == ('pass', 'coverage-ok')  # 115 of 120 = 95.8 % >= the 90 % default
    assert statuses['ldap.user-containers'] == ('fail', 'container-unreadable')
    assert statuses['ldap.integration-account'] == ('fail', 'container-unreadable')
    assert statuses['ldap.replication'] == ('pass', 'differential-ready')
    assert statuses['ldap.domain-names'] == ('pass', 'domains-found')


def test_thresholds_and_a_clean_scope(slapd):
    options = _options(slapd, base_dns=['ou=Staff,dc=lab,dc=test'], thresholds={'email': 100}, domains=['other.test'])
    audit, findings = _run(options)
    assert findings['ldap.user-containers']['status'] == 'pass' and findings['ldap.integration-account']['status'] == 'pass'
    assert findings['ldap.domain-names']['reason'] == 'domain-not-found'
    # the duplicate login lives in People and Staff: with Staff alone in scope it is not a duplicate
    assert findings['ldap.login']['reason'] == 'coverage-ok'
    assert audit['totals']['users'] == slapd.truth['per_container']['ou=Staff,dc=lab,dc=test']
    assert findings['ldap.email']['status'] == 'pass'  # every Staff user has a mail: 100 % meets the raised threshold


def test_unknown_attribute_name_is_a_clear_finding(slapd):
    audit, findings = _run(_options(slapd, attributes={'department': 'costCentreNumber'}))
    assert (findings['ldap.department']['status'], findings['ldap.department']['reason']) == ('fail', 'unknown-attribute')
    assert "'costCentreNumber' is not in the directory schema" in findings['ldap.department']['detail']


def test_wrong_password(slapd):
    audit, findings = _run(_options(slapd, bind_password='wrong'))
    assert (findings['ldap.integration-account']['status'], findings['ldap.integration-account']['reason']) == ('fail', 'invalid-credentials')
    assert {f['status'] for k, f in findings.items() if k not in ('ldap.primary-server', 'ldap.integration-account')} == {'error'}
    assert 'wrong' not in json.dumps(findings)


def test_plain_ldap_and_starttls(slapd):
    audit, findings = _run(_options(slapd, security='starttls', port=slapd.port))
    assert audit['bound'] and audit['totals']['users'] == 120
    audit, findings = _run(_options(slapd, security='none', port=slapd.port))
    assert audit['bound'] and findings['ldap.primary-server']['status'] == 'pass'


@pytest.mark.parametrize('security', ['ldaps', 'starttls', 'none'])
def test_the_stream_decodes_what_ldap3_decodes(slapd, security):
    """The audit's channel and decoder against an independent client (ldap3's paged search) on every transport."""
    port = slapd.ldaps_port if security == 'ldaps' else slapd.port
    attributes = ['uid', 'cn', 'sn', 'mail', 'employeeNumber', 'departmentNumber', 'entryUUID', 'entryCSN', 'objectClass']
    channel = ldap_channel.open_channel(slapd.host, port, security, 5.0, BIND_DN, BIND_PW)
    try:
        search = ldap_wire.PagedSearch(channel, channel.next_message_id, 'dc=lab,dc=test', ldap_wire.encode_filter('(objectClass=*)'), attributes, 9)
        ours = {dn.decode(): {name.decode(): sorted(values) for name, values in attrs.items()} for page in search.pages() for dn, attrs in page}
    finally:
        channel.close()
    tls = ldap3.Tls(validate=ssl.CERT_NONE)
    connection = ldap3.Connection(ldap3.Server(slapd.host, port, use_ssl=security == 'ldaps', tls=tls), BIND_DN, BIND_PW)
    connection.open()
    if security == 'starttls':
        connection.start_tls()
    assert connection.bind()
    theirs = {item['dn']: {name.lower(): sorted(values) for name, values in item['raw_attributes'].items() if values}
              for item in connection.extend.standard.paged_search('dc=lab,dc=test', '(objectClass=*)', attributes=attributes, paged_size=9)
              if item['type'] == 'searchResEntry'}
    connection.unbind()
    # 120 users; the suffix, Service, the account, People and Staff (the ACL hides Secret)
    assert search.result == 'success' and search.pages_read > 10 and len(ours) == 120 + 5
    assert ours == theirs


def test_the_stream_refuses_a_certificate_other_than_the_validated_one(slapd, tmp_path):
    other = Slapd(str(tmp_path), '127.0.0.35', users=1)
    with other:
        pinned = ssl.get_server_certificate((other.host, other.ldaps_port))
    with pytest.raises(ldap_wire.WireError, match='presented a different certificate'):
        ldap_channel.open_channel(slapd.host, slapd.ldaps_port, 'ldaps', 5.0, BIND_DN, BIND_PW, None, ssl.PEM_cert_to_DER_cert(pinned))


def test_a_malformed_container_dn_is_named(slapd):
    audit, findings = _run(_options(slapd, base_dns=['ou=People,,dc=lab,dc=test', 'ou=Staff,dc=lab,dc=test']))
    finding = findings['ldap.user-containers']
    assert (finding['status'], finding['reason']) == ('fail', 'container-dn-invalid')
    assert 'ou=People,,dc=lab,dc=test: container-dn-invalid (invalidDNSyntax' in finding['detail']
    assert audit['containers'][1]['users'] == slapd.truth['per_container']['ou=Staff,dc=lab,dc=test']  # the good one is still read


def test_unreachable_server():
    options = {'servers': ['127.0.0.39'], 'port': 1, 'security': 'ldaps', 'ca_file': None, 'validate_certs': True, 'bind_dn': BIND_DN,
               'bind_password': BIND_PW, 'domains': [], 'base_dns': ['dc=lab,dc=test'], 'attributes': {}, 'thresholds': {}, 'page_size': 10,
               'sample_size': 3, 'timeout': 2.0, 'directory_type': 'auto'}
    audit, findings = _run(options)
    assert (findings['ldap.primary-server']['status'], findings['ldap.primary-server']['reason']) == ('fail', 'unreachable')
    assert findings['ldap.department']['status'] == 'error'


@pytest.mark.parametrize('kind, reason', [('expired', 'cert-expired'), ('wrong-name', 'cert-name-mismatch'), ('self-signed', 'cert-untrusted'),
                                          ('expiring', 'cert-expiring')])
def test_certificate_problems(tmp_path, kind, reason):
    with Slapd(str(tmp_path), '127.0.0.32', users=5, cert_kind=kind) as server:
        audit, findings = _run(_options(server))
    assert findings['ldap.primary-server']['reason'] == reason, findings['ldap.primary-server']['detail']


@pytest.mark.parametrize('kind, reason', [('expired', 'cert-expired'), ('expiring', 'cert-expiring')])
def test_starttls_certificates_are_examined_like_ldaps(tmp_path, kind, reason):
    """With StartTLS (and certificates not validated for the bind) the certificate is still read and judged."""
    with Slapd(str(tmp_path), '127.0.0.32', users=5, cert_kind=kind) as server:
        audit, findings = _run(_options(server, security='starttls', port=server.port, validate_certs=False))
    assert findings['ldap.primary-server']['reason'] == reason, findings['ldap.primary-server']['detail']
    assert audit['servers'][0]['tls']['days_to_expiry'] is not None


def test_the_default_size_limit_stops_a_paged_read_and_nothing_passes_on_it(tmp_path):
    """slapd's size limit (here 50) with size.prtotal left at its default: the paged search as the account ends at 50 entries."""
    with Slapd(str(tmp_path), '127.0.0.37', users=120, size_limit=50, paged_total=None) as server:
        audit, findings = _run(_options(server, base_dns=['ou=People,dc=lab,dc=test']))
    container = audit['containers'][0]
    assert (container['reason'], container['code'], container['users']) == ('size-limit', 'sizeLimitExceeded', 50)
    assert server.truth['per_container']['ou=People,dc=lab,dc=test'] > 50
    for entry in ('ldap.user-containers', 'ldap.integration-account'):
        assert (findings[entry]['status'], findings[entry]['reason']) == ('fail', 'size-limit'), findings[entry]['detail']
    statuses = {k: (f['status'], f['reason']) for k, f in findings.items()}
    # among the first 50 users: the generator's missing departments (users 10-12) are certain; e-mail's 95 % is not
    assert statuses['ldap.department'] == ('fail', 'coverage-below-threshold')
    assert statuses['ldap.email'] == ('error', 'read-incomplete') and statuses['ldap.replication'] == ('error', 'read-incomplete')
    assert 'pass' not in {status for status, dummy in statuses.values() if dummy not in ('reachable', 'domains-found')}


def test_an_attribute_given_by_alias_or_oid_counts_as_its_schema_name(slapd):
    truth = slapd.truth
    audit, findings = _run(_options(slapd, attributes={'surname': 'surname', 'card_number': '2.16.840.1.113730.3.1.3'}))
    assert audit['unknown_attributes'] == {} and audit['attributes']['surname'] == 'sn' and audit['attributes']['card_number'] == 'employeeNumber'
    assert audit['totals']['present']['surname'] == audit['totals']['present']['card_number'] == truth['visible_users']
    assert sorted(e['value'] for e in audit['duplicates']['card_number']['examples']) == sorted(truth['duplicate_card_values'])
    assert 'surname (sn, given as surname): 120 of 120 users' in findings['ldap.name-surname']['detail']


def test_a_wrong_ca_fails_tls(slapd, tmp_path):
    with Slapd(str(tmp_path), '127.0.0.33', users=5) as other:
        audit, findings = _run(_options(slapd, ca_file=other.describe()['ca_file']))
    assert findings['ldap.primary-server']['reason'] == 'cert-untrusted'
    assert findings['ldap.integration-account']['reason'] == 'connection-failed'


def test_slapd_killed_in_the_middle_of_a_paged_search(tmp_path, monkeypatch):
    """slapd dies (SIGKILL) once the audit has counted 5 pages of 10: a real connection drops mid-stream."""
    tally_class = ldap_audit._ldap_tally.Tally
    add_page = tally_class.add_page
    with Slapd(str(tmp_path), '127.0.0.34', users=3000) as server:

        def add_then_kill(tally, page):
            add_page(tally, page)
            if tally._users == 50:
                server.kill()

        monkeypatch.setattr(tally_class, 'add_page', add_then_kill)
        audit, findings = _run(_options(server, page_size=10, base_dns=['ou=People,dc=lab,dc=test']))
    # The next page is asked for before a page is counted, so it may have arrived before the kill.
    counted = audit['totals']['users']
    assert counted in (50, 60)
    assert 'the directory connection failed during the audit' in audit['error']
    assert (findings['ldap.department']['status'], findings['ldap.department']['reason']) == ('error', 'connection-lost')
    assert 'stopped after %d user(s)' % counted in findings['ldap.department']['detail']


def test_module_through_ansible_playbook_never_shows_the_password(slapd, tmp_path):
    info = slapd.describe()
    playbook = tmp_path / 'ldap.yml'
    playbook.write_text(yaml.safe_dump([{'name': 'ldap', 'hosts': 'localhost', 'gather_facts': False, 'tasks': [
        {'name': 'audit', 'safeq.preflight.ldap_attribute_check': {
            'servers': [slapd.host], 'port': slapd.ldaps_port, 'ca_file': info['ca_file'], 'bind_dn': BIND_DN, 'bind_password': BIND_PW,
            'base_dns': ['ou=People,dc=lab,dc=test'], 'domains': ['lab.test']}, 'register': 'out'},
        {'name': 'save', 'check_mode': False, 'ansible.builtin.copy': {'dest': str(tmp_path / 'out.json'), 'content': '{{ out | to_json }}'}}]}]))
    inventory = lab.write_inventory(str(tmp_path / 'inv.yml'), {})
    proc = lab.run_playbook(str(tmp_path), inventory, playbook=str(playbook), args=['-vvvv', '--check'])
    assert proc.returncode == 0, proc.stdout[-3000:]
    result = json.loads((tmp_path / 'out.json').read_text())
    assert result['changed'] is False and result['totals']['users'] == slapd.truth['per_container']['ou=People,dc=lab,dc=test']
    assert all(f['source'] for f in result['findings'])
    assert BIND_PW not in proc.stdout + proc.stderr + (tmp_path / 'out.json').read_text()


def test_bad_options_are_refused_by_name_before_any_connection(slapd, tmp_path):
    playbook = tmp_path / 'bad.yml'
    playbook.write_text(yaml.safe_dump([{'name': 'ldap', 'hosts': 'localhost', 'gather_facts': False, 'tasks': [
        {'name': 'audit', 'safeq.preflight.ldap_attribute_check': {
            'servers': [slapd.host], 'port': slapd.ldaps_port, 'bind_dn': BIND_DN, 'bind_password': BIND_PW,
            'base_dns': ['People'], 'user_filter': '(uid=a', 'thresholds': {'email': 120}}}]}]))
    inventory = lab.write_inventory(str(tmp_path / 'inv.yml'), {})
    proc = lab.run_playbook(str(tmp_path), inventory, playbook=str(playbook), args=['--check'])
    output = proc.stdout + proc.stderr
    assert proc.returncode == 2, output[-3000:]
    assert "Invalid value for option 'base_dns': item 0: 'People' is not a DN" in output
    assert "Invalid value for option 'user_filter': '(uid=a' is not an LDAP filter" in output
    assert "Invalid value for option 'thresholds': email: 120 is outside 0-100" in output
    assert 'Traceback' not in output and BIND_PW not in output


def test_a_container_that_does_not_exist_is_missing_and_does_not_blame_the_account(slapd):
    audit, findings = _run(_options(slapd, base_dns=['ou=Nowhere,dc=lab,dc=test', 'ou=Staff,dc=lab,dc=test']))
    assert (findings['ldap.user-containers']['status'], findings['ldap.user-containers']['reason']) == ('fail', 'container-missing')
    assert (findings['ldap.integration-account']['status'], findings['ldap.integration-account']['reason']) == ('pass', 'bind-and-read')
    assert audit['acl_checked'] is False and audit['privileged'] is None  # no DACLs on OpenLDAP; no comparison asked for


@pytest.fixture(scope='module')
def hiding(tmp_path_factory):
    """slapd whose ACLs hide ou=Staff from the integration account without "disclose" (noSuchObject, like a missing DN)
    and keep departmentNumber of the People users from it; the rootdn is the privileged account."""
    acls = ['access to dn.subtree="ou=Staff,{suffix}" by dn.exact="%s" none by users read by * none' % BIND_DN,
            'access to dn.subtree="ou=People,{suffix}" attrs=departmentNumber by dn.exact="%s" none by users read by * none' % BIND_DN]
    with Slapd(str(tmp_path_factory.mktemp('hiding')), '127.0.0.36', users=30, extra_acls=acls) as server:
        yield server


def test_without_a_privileged_account_a_hidden_container_reads_as_missing(hiding):
    audit, findings = _run(_options(hiding, base_dns=['ou=Staff,dc=lab,dc=test']))
    assert audit['containers'][0]['reason'] == 'container-missing'
    # the account is not blamed for a DN it cannot tell from a missing one, but with nothing listed it is not a pass either
    assert (findings['ldap.integration-account']['status'], findings['ldap.integration-account']['reason']) == ('error', 'nothing-listed')


def test_a_privileged_account_tells_a_hidden_container_and_unreadable_attributes(hiding):
    options = _options(hiding, base_dns=['ou=Staff,dc=lab,dc=test', 'ou=People,dc=lab,dc=test', 'ou=Nowhere,dc=lab,dc=test'],
                       privileged_bind_dn=ROOT_DN, privileged_bind_password=ROOT_PW)
    audit, findings = _run(options)
    staff, people, nowhere = audit['containers']
    assert (staff['reason'], staff['exists']) == ('container-unreadable', True) and 'privileged account finds it' in staff['error']
    assert nowhere['reason'] == 'container-missing'
    assert people['reason'] is None and people['privileged_users'] == people['users'] == hiding.truth['per_container']['ou=People,dc=lab,dc=test']
    assert audit['totals']['present']['department'] == 0
    item = audit['unreadable_attributes']['department']
    assert item['checked'] == 3 and len(item['examples']) == 3 and item['why'] == ['a privileged account reads a value']
    statuses = {k: (v['status'], v['reason']) for k, v in findings.items()}
    assert statuses['ldap.department'] == ('fail', 'attribute-unreadable')
    assert statuses['ldap.user-containers'] == ('fail', 'container-unreadable')
    assert findings['ldap.user-containers']['reasons'] == ['container-unreadable', 'container-missing']
    assert statuses['ldap.integration-account'] == ('fail', 'container-unreadable')
    assert findings['ldap.integration-account']['reasons'] == ['container-unreadable', 'attribute-unreadable']
    assert ROOT_PW not in json.dumps(findings) + json.dumps(audit, default=str)


def test_a_wrong_privileged_password_is_said_and_changes_nothing_else(hiding):
    options = _options(hiding, base_dns=['ou=People,dc=lab,dc=test'], privileged_bind_dn=ROOT_DN, privileged_bind_password='wrong')
    audit, findings = _run(options)
    assert (audit['privileged']['bind_dn'], audit['privileged']['bound'], audit['privileged']['reason']) == (ROOT_DN, False, 'invalid-credentials')
    assert audit['containers'][0]['privileged_users'] is None
    assert 'its bind failed (invalid-credentials' in findings['ldap.user-containers']['detail'] + findings['ldap.integration-account']['detail']


@pytest.mark.parametrize('with_cml', [True, False])
def test_the_directory_role_audits_with_the_first_cml_node_even_when_an_ors_node_comes_first(slapd, tmp_path, with_cml):
    """Ground truth: ors1 comes first and sets no directory variable; cml1 sets them. The audit must use cml1's (no
    'undefined' error, no skip) and count the users the test put in slapd; with no CML node in the play it is skipped."""
    info = slapd.describe()
    cml_vars = {'ansible_connection': 'local', 'safeq_server_role': 'cml', 'safeq_ldap_servers': [slapd.host],
                'safeq_ldap_port': slapd.ldaps_port, 'safeq_ldap_ca_file': info['ca_file'], 'safeq_ldap_bind_dn': BIND_DN,
                'safeq_ldap_bind_password': BIND_PW, 'safeq_ldap_base_dns': ['ou=People,dc=lab,dc=test'], 'safeq_ldap_domains': ['lab.test']}
    hosts = {'ors1': {'ansible_connection': 'local', 'safeq_server_role': 'ors'}}
    if with_cml:
        hosts['cml1'] = cml_vars
    playbook = tmp_path / 'directory.yml'
    playbook.write_text(yaml.safe_dump([
        {'name': 'directory', 'hosts': 'safeq_nodes', 'gather_facts': False, 'roles': ['safeq.preflight.directory']},
        {'name': 'save', 'hosts': 'localhost', 'gather_facts': False, 'tasks': [
            {'name': 'save', 'ansible.builtin.copy': {'dest': str(tmp_path / 'site.json'), 'content': '{{ safeq_preflight_site_results | to_json }}'}}]}]))
    inventory = lab.write_inventory(str(tmp_path / 'inv.yml'), hosts, {'safeq_features': ['ldap_replication']})
    proc = lab.run_playbook(str(tmp_path), inventory, playbook=str(playbook))
    assert proc.returncode == 0, proc.stdout[-3000:]
    (site,) = json.loads((tmp_path / 'site.json').read_text())
    assert site['module'] == 'ldap_attribute_check'
    if with_cml:
        assert not site['result'].get('failed') and not site['result'].get('skipped'), site['result']
        assert site['result']['totals']['users'] == slapd.truth['per_container']['ou=People,dc=lab,dc=test']
    else:
        assert site['result']['skipped'] is True
    assert BIND_PW not in proc.stdout + proc.stderr
