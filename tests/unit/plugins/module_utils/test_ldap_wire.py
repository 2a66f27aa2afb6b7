# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit's wire codec against an independent one: requests and answers are built with ldap3's RFC 4511 types (pyasn1)."""

from __future__ import annotations

import pytest

from ansible_collections.safeq.preflight.plugins.module_utils import _ldap_wire

hypothesis = pytest.importorskip('hypothesis')
ldap3_rfc4511 = pytest.importorskip('ldap3.protocol.rfc4511')
# pylint: disable=wrong-import-position
from hypothesis import given, settings, strategies as st  # noqa: E402
from ldap3.operation.search import search_operation  # noqa: E402
from ldap3.protocol.convert import build_controls_list  # noqa: E402
from ldap3.protocol.rfc2696 import paged_search_control  # noqa: E402
from pyasn1.codec.ber import encoder  # noqa: E402

R = ldap3_rfc4511


def _message(message_id, name, operation, controls=None):
    message = R.LDAPMessage()
    message['messageID'] = R.MessageID(message_id)
    message['protocolOp'] = R.ProtocolOp().setComponentByName(name, operation)
    if controls:
        message['controls'] = build_controls_list(controls)
    return encoder.encode(message)


def entry_message(message_id, dn, attributes):
    """A SearchResultEntry encoded by pyasn1 with ldap3's types; ``attributes`` is a list of (name, [bytes])."""
    entry = R.SearchResultEntry()
    entry['object'] = R.LDAPDN(dn)
    for i, (name, values) in enumerate(attributes):
        attribute = R.PartialAttribute()
        attribute['type'] = R.AttributeDescription(name)
        for j, value in enumerate(values):
            attribute['vals'].setComponentByPosition(j, R.AttributeValue(value))
        entry['attributes'].setComponentByPosition(i, attribute)
    return _message(message_id, 'searchResEntry', entry)


def done_message(message_id, code=0, cookie=None, diagnostic=''):
    done = R.SearchResultDone()
    done['resultCode'] = R.ResultCode(code)
    done['matchedDN'] = R.LDAPDN('')
    done['diagnosticMessage'] = R.LDAPString(diagnostic)
    return _message(message_id, 'searchResDone', done, [paged_search_control(False, 10, cookie)] if cookie is not None else None)


def notice_of_disconnection(diagnostic):
    response = R.ExtendedResponse()
    response['resultCode'] = R.ResultCode(52)
    response['matchedDN'] = R.LDAPDN('')
    response['diagnosticMessage'] = R.LDAPString(diagnostic)
    return _message(0, 'extendedResp', response)


class FakeChannel:
    """Answers each request with the next scripted page, handed out in chunks of ``chunk`` bytes."""

    def __init__(self, pages, chunk=4096):
        self.pages = list(pages)
        self.chunk = chunk
        self.sent = []
        self.pending = b''
        self.message_id = 0

    def next_message_id(self):
        self.message_id += 1
        return self.message_id

    def sendall(self, data):
        self.sent.append(data)
        if self.pages:
            self.pending += self.pages.pop(0)(self.message_id)

    def recv(self, size):
        data, self.pending = self.pending[:min(size, self.chunk)], self.pending[min(size, self.chunk):]
        return data


def _search(channel, keep=None, page_size=2):
    search = _ldap_wire.PagedSearch(channel, channel.next_message_id, 'ou=People,dc=lab,dc=test', _ldap_wire.encode_filter('(uid=*)'),
                                    ['uid', 'mail'], page_size, keep)
    return search, [entry for page in search.pages() for entry in page]


def test_search_request_is_byte_identical_to_ldap3s():
    text = '(&(objectClass=person)(!(uid=a*))(|(mail=*@lab.test)(employeeNumber>=100)))'
    request = search_operation('ou=People,dc=x', text, 2, 3, ['uid', 'mail'], 0, 0, False, True, True)
    theirs = _message(7, 'searchRequest', request, [paged_search_control(False, 500, b'ck')])
    assert _ldap_wire.search_request(7, 'ou=People,dc=x', _ldap_wire.encode_filter(text), ['uid', 'mail'], 500, b'ck') == theirs


def test_a_malformed_filter_is_refused_before_anything_is_sent():
    with pytest.raises(Exception, match='(?i)filter'):
        _ldap_wire.encode_filter('(uid=a')


def test_two_pages_with_cookie_then_the_last_page():
    first = [('uid=a,ou=People', [('uid', [b'a']), ('mail', [b'a@x'])]), ('uid=b,ou=People', [('uid', [b'b'])])]
    second = [('uid=c,ou=People', [('UID', [b'c']), ('mail', [b'c@x', b'c2@x'])])]
    pages = [lambda mid: b''.join(entry_message(mid, dn, attrs) for dn, attrs in first) + done_message(mid, cookie=b'next-page'),
             lambda mid: b''.join(entry_message(mid, dn, attrs) for dn, attrs in second) + done_message(mid, cookie=b'')]
    channel = FakeChannel(pages, chunk=7)
    search, entries = _search(channel)
    assert entries == [(b'uid=a,ou=People', {b'uid': [b'a'], b'mail': [b'a@x']}), (b'uid=b,ou=People', {b'uid': [b'b']}),
                       (b'uid=c,ou=People', {b'uid': [b'c'], b'mail': [b'c@x', b'c2@x']})]
    assert (search.result, search.pages_read, search.entries_read) == ('success', 2, 3)
    assert b'next-page' in channel.sent[1] and b'next-page' not in channel.sent[0]


def test_keep_decodes_only_the_named_attributes_and_drops_empty_ones():
    attrs = [('uid', [b'a']), ('mail', [b'a@x']), ('description', [])]
    channel = FakeChannel([lambda mid: entry_message(mid, 'uid=a', attrs) + done_message(mid)])
    dummy, entries = _search(channel, keep={b'uid'})
    assert entries == [(b'uid=a', {b'uid': [b'a'], b'mail': True})]


def test_long_form_lengths_of_every_element():
    """A DN over 127 bytes, a 300-byte value, a 70,000-byte photo (three length octets), many attributes."""
    dn = 'uid=%s,ou=People,dc=lab,dc=test' % ('x' * 150)
    attrs = [('uid', [b'u' * 300]), ('jpegPhoto', [bytes(range(256)) * 273 + b'end'])] + [('attr%d' % n, [b'v']) for n in range(40)]
    channel = FakeChannel([lambda mid: entry_message(mid, dn, attrs) + done_message(mid)], chunk=1000)
    dummy, entries = _search(channel)
    assert entries == [(dn.encode(), {name.lower().encode(): values for name, values in attrs})]


def test_answers_to_other_messages_and_references_are_skipped():
    def page(mid):
        reference = _message(mid, 'searchResRef', R.SearchResultReference().setComponentByPosition(0, R.URI('ldap://other/dc=x')))
        return entry_message(mid + 100, 'uid=stray', [('uid', [b'x'])]) + reference + entry_message(mid, 'uid=a', [('uid', [b'a'])]) + done_message(mid)
    search, entries = _search(FakeChannel([page]))
    assert [dn for dn, dummy in entries] == [b'uid=a'] and search.references == 1


def test_a_size_limit_ends_the_stream_with_its_name():
    channel = FakeChannel([lambda mid: entry_message(mid, 'uid=a', [('uid', [b'a'])]) + done_message(mid, 4, diagnostic='limit')])
    search, entries = _search(channel)
    assert (search.result, search.message, len(entries)) == ('sizeLimitExceeded', 'limit', 1)


def test_a_notice_of_disconnection_is_a_wire_error_naming_it():
    channel = FakeChannel([lambda mid: entry_message(mid, 'uid=a', [('uid', [b'a'])]) + notice_of_disconnection('shutting down')])
    with pytest.raises(_ldap_wire.WireError, match='notice of disconnection, unavailable: shutting down'):
        _search(channel)


def test_a_closed_connection_says_how_far_the_stream_got():
    channel = FakeChannel([lambda mid: entry_message(mid, 'uid=a', [('uid', [b'a'])]) + entry_message(mid, 'uid=b', [('uid', [b'b'])])])
    with pytest.raises(_ldap_wire.WireError, match='closed the connection after 2 entries'):
        _search(channel)


def test_read_response_finds_the_bind_answer():
    response = R.BindResponse()
    response['resultCode'] = R.ResultCode(49)
    response['matchedDN'] = R.LDAPDN('')
    response['diagnosticMessage'] = R.LDAPString('80090308: LdapErr: DSID-0C09041C, data 52e')
    channel = FakeChannel([lambda mid: _message(mid, 'bindResponse', response)], chunk=3)
    channel.sendall(b'bind')
    assert _ldap_wire.read_response(channel, 0, 0x61) == (49, '80090308: LdapErr: DSID-0C09041C, data 52e')


_names = st.sampled_from(['uid', 'mail', 'cn', 'employeeNumber', 'jpegPhoto'])
_entries = st.lists(st.tuples(st.text(min_size=1, max_size=300),
                              st.dictionaries(_names, st.lists(st.binary(min_size=1, max_size=400), min_size=1, max_size=3), max_size=5)),
                    max_size=6)


@settings(max_examples=150, deadline=None)
@given(_entries, st.integers(min_value=1, max_value=600))
def test_any_entries_in_any_chunking_decode_to_what_pyasn1_encoded(entries, chunk):
    channel = FakeChannel([lambda mid: b''.join(entry_message(mid, dn, sorted(attrs.items())) for dn, attrs in entries) + done_message(mid)], chunk)
    dummy, decoded = _search(channel)
    assert decoded == [(dn.encode('utf-8'), {name.lower().encode(): values for name, values in attrs.items()}) for dn, attrs in entries]


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_corrupted_answers_raise_wire_error_or_decode_never_crash(data):
    good = entry_message(3, 'uid=a,ou=People', [('uid', [b'a']), ('mail', [b'x' * 200])]) + done_message(3)
    position = data.draw(st.integers(min_value=0, max_value=len(good) - 1))
    corrupted = data.draw(st.sampled_from(['flip', 'truncate']))
    blob = good[:position] + bytes([good[position] ^ data.draw(st.integers(1, 255))]) + good[position + 1:] if corrupted == 'flip' else good[:position]
    channel = FakeChannel([lambda mid: blob])
    try:
        _search(channel)
    except _ldap_wire.WireError:
        pass


def test_read_response_names_a_notice_of_disconnection_and_a_closed_connection():
    channel = FakeChannel([lambda mid: notice_of_disconnection('going down')])
    channel.sendall(b'bind')
    with pytest.raises(_ldap_wire.WireError, match='notice of disconnection, unavailable: going down'):
        _ldap_wire.read_response(channel, 1, 0x61)
    with pytest.raises(_ldap_wire.WireError, match='closed the connection before answering'):
        _ldap_wire.read_response(FakeChannel([]), 1, 0x61)
