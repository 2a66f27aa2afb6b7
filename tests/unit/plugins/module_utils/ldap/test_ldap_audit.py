# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit's own bookkeeping (which server bound, how far a container was read) with stub connections and streams."""

from __future__ import annotations

import pytest

from ansible_collections.safeq.preflight.plugins.module_utils.ldap import _ldap_audit, _ldap_evaluate, _ldap_tally, _ldap_wire

ldap3 = pytest.importorskip('ldap3')
from ldap3.protocol.rfc4512 import AttributeTypeInfo  # noqa: E402  pylint: disable=wrong-import-position

OPTIONS = {'servers': ['dc1', 'dc2'], 'security': 'ldaps', 'port': 636, 'bind_dn': 'cn=sync', 'bind_password': 'x', 'attributes': {},
           'directory_type': 'auto', 'domains': [], 'sample_size': 3, 'thresholds': {}, 'base_dns': ['ou=A,dc=lab', 'ou=B,dc=lab']}


class _Connection:
    """ldap3's Connection as the audit uses it: bind(), result, search() with one answer, unbind()."""

    def __init__(self, binds=True, result=None):
        self.binds, self.result, self.unbound = binds, result or {'description': 'success'}, False
        self.response = [{'type': 'searchResEntry', 'raw_attributes': {'objectClass': [b'organizationalUnit'], 'name': [b'A']}}]

    def bind(self):
        return self.binds

    def search(self, *args, **kwargs):
        self.result = {'description': 'success'}

    def unbind(self):
        self.unbound = True


def _page(start, count):
    return [(b'uid=u%d,ou=A,dc=lab' % n, {b'uid': [b'u%d' % n], b'employeenumber': [b'%d' % n], b'entryuuid': [b'id%d' % n]})
            for n in range(start, start + count)]


class _Search:
    def __init__(self, pages, result='success', message='', fail_after=None):
        self._pages, self.result, self.message, self._fail_after = pages, result, message, fail_after

    def pages(self):
        for index, page in enumerate(self._pages):
            if index == self._fail_after:
                raise _ldap_wire.WireError('the server closed the connection')
            yield page


class _Stream:
    def __init__(self, search):
        self._search = search
        self.tally = _ldap_tally.Tally(_ldap_audit.DEFAULT_ATTRIBUTES['openldap'], ('modifyTimestamp',), 3)

    def search(self, base):
        return self._search


class _Access:
    def container_problem(self, container, entry):
        return None

    def privileged_count(self, container):
        return None


def _result():
    result = _ldap_audit._empty_audit(OPTIONS)
    result['root_dse'] = {'vendor': 'OpenLDAP', 'naming_contexts': ['dc=lab'], 'paged_results': True, 'default_naming_context': None}
    return result


def _read(search):
    result = _result()
    container = _ldap_audit._new_container('ou=A,dc=lab', result)
    result['containers'].append(container)
    _ldap_audit._read_container(_Connection(), result, container, _Stream(search), _Access())
    return result, container


@pytest.mark.parametrize('code, reason', [('sizeLimitExceeded', 'size-limit'), ('adminLimitExceeded', 'size-limit'),
                                          ('timeLimitExceeded', 'time-limit'), ('busy', 'search-failed')])
def test_a_search_the_server_ends_part_way_marks_the_container_incomplete(code, reason):
    """Two pages of 250 arrive, then the server's SearchResultDone says the search ended early (slapd: sizelimit 500)."""
    result, container = _read(_Search([_page(0, 250), _page(250, 250)], code, 'limit reached'))
    assert (container['reason'], container['code'], container['users']) == (reason, code, 500)
    assert container['streamed'] and not container['complete']
    assert container['error'] == '%s after 500 user(s): limit reached' % code
    assert result['size_limit_hit'] is (reason == 'size-limit')


def test_a_container_read_to_its_end_is_complete():
    result, container = _read(_Search([_page(0, 3)]))
    assert (container['reason'], container['users'], container['complete']) == (None, 3, True)


def test_a_connection_lost_mid_stream_marks_the_container_and_propagates():
    result = _result()
    container = _ldap_audit._new_container('ou=A,dc=lab', result)
    with pytest.raises(_ldap_wire.WireError):
        _ldap_audit._read_container(_Connection(), result, container, _Stream(_Search([_page(0, 7), _page(7, 7)], fail_after=1)), _Access())
    assert (container['reason'], container['users'], container['complete']) == ('connection-lost', 7, False)


def test_the_audit_lists_the_containers_it_never_reached_when_the_connection_drops(monkeypatch):
    reachable = {'port': 636, 'reachable': True, 'error': None, 'rtt_ms': 1.0, 'tls': None}
    monkeypatch.setattr(_ldap_audit, 'check_server', lambda options, host: dict(reachable, host=host))
    monkeypatch.setattr(_ldap_audit, '_open', lambda options, host, dn, password: _Connection())

    def read_first_then_drop(connection, options, result):
        result['root_dse'] = _result()['root_dse']
        result['containers'].append(_ldap_audit._new_container('ou=A,dc=lab', result, streamed=True, users=120))
        raise _ldap_wire.WireError('the server closed the connection')

    monkeypatch.setattr(_ldap_audit, '_read_directory', read_first_then_drop)
    audit = _ldap_audit.audit(dict(OPTIONS, servers=['dc1']))
    assert [(c['dn'], c['reason']) for c in audit['containers']] == [('ou=A,dc=lab', 'connection-lost'), ('ou=B,dc=lab', 'connection-lost')]
    containers = {f['id']: f for f in _ldap_evaluate.evaluate(audit, OPTIONS)}['ldap.user-containers']
    assert (containers['status'], containers['reason']) == ('error', 'connection-lost')


def test_every_reachable_server_is_bound_and_a_failure_on_the_primary_is_kept(monkeypatch):
    locked = {'description': 'invalidCredentials', 'message': '80090308: LdapErr: DSID-0C09042A, AcceptSecurityContext error, data 775, v3839'}
    connections = {'dc1': _Connection(False, locked), 'dc2': _Connection(), 'dc3': _Connection()}
    monkeypatch.setattr(_ldap_audit, '_open', lambda options, host, dn, password: connections[host])
    result = _ldap_audit._empty_audit(OPTIONS)
    bound = _ldap_audit._bind_everywhere(OPTIONS, ['dc1', 'dc2', 'dc3'], result)
    assert bound is connections['dc2'] and result['bind_server'] == 'dc2' and result['bound']
    attempts = [(a['host'], a['bound'], a['reason']) for a in result['bind_attempts']]
    assert attempts == [('dc1', False, 'account-locked'), ('dc2', True, None), ('dc3', True, None)]
    assert connections['dc1'].unbound and connections['dc3'].unbound and not connections['dc2'].unbound


def test_no_server_binds_reports_the_primary(monkeypatch):
    connections = {'dc1': _Connection(False, {'description': 'strongerAuthRequired', 'message': 'BindSimple'}),
                   'dc2': _Connection(False, {'description': 'invalidCredentials', 'message': 'data 52e'})}
    monkeypatch.setattr(_ldap_audit, '_open', lambda options, host, dn, password: connections[host])
    result = _ldap_audit._empty_audit(OPTIONS)
    assert _ldap_audit._bind_everywhere(OPTIONS, ['dc1', 'dc2'], result) is None
    assert (result['bind_server'], result['bind_reason']) == ('dc1', 'stronger-auth-required')
    account = _ldap_evaluate._bind_finding(dict(result, servers=[{'host': 'dc1'}, {'host': 'dc2'}]), OPTIONS)
    assert account['reason'] == 'stronger-auth-required' and 'Also failed on dc2: invalid-credentials (data 52e)' in account['detail']


def test_an_alias_or_an_oid_maps_to_the_name_the_server_returns():
    types = AttributeTypeInfo.from_definition(["( 2.5.4.4 NAME ( 'sn' 'surname' ) SUP name )",
                                               "( 2.16.840.1.113730.3.1.3 NAME 'employeeNumber' EQUALITY caseIgnoreMatch )"])
    assert _ldap_audit.schema_name(types, 'surname') == 'sn'
    assert _ldap_audit.schema_name(types, 'SN') == 'sn'
    assert _ldap_audit.schema_name(types, '2.16.840.1.113730.3.1.3') == 'employeeNumber'
    assert _ldap_audit.schema_name(types, 'costCentre') is None
