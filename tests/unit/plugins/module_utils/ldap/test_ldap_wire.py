# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit's wire codec against an independent one: requests and answers are built with ldap3's RFC 4511 types (pyasn1)."""

from __future__ import annotations

import pytest

from ansible_collections.safeq.preflight.plugins.module_utils.ldap import _ldap_wire

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


# Non-minimal lengths. BER (X.690 8.1.3.5 note 2) lets a sender write any definite length in the long form with more
# octets than needed; RFC 4511 allows every BER length form but the indefinite one. Active Directory writes 0x84 and four
# octets for the length of every constructed element (the LDAPMessage, the protocol op, the attribute lists). Integers and
# enumerations may not be padded in their content (8.3.2), but their length may be long-form like any other.

def _stretch(data, octets, inner=False):
    """``data`` (complete BER elements) with every length rewritten in long form on ``octets`` octets (a callable per
    element, or an int); with ``inner``, an OCTET STRING whose content is itself one BER element (a control value) too."""
    width = octets if callable(octets) else (lambda tag, size: octets)
    out, i = b'', 0
    while i < len(data):
        tag, size = data[i], data[i + 1]
        if size < 0x80:
            start = i + 2
        else:
            start = i + 2 + (size & 0x7f)
            size = int.from_bytes(data[i + 2:start], 'big')
        content = data[start:start + size]
        if tag & 0x20:
            content = _stretch(content, octets, inner)
        elif inner and tag == 0x04 and content[:1] == b'\x30' and _is_one_element(content):
            content = _stretch(content, octets, inner)
        n = max(width(tag, len(content)), 0 if len(content) < 0x80 else (len(content).bit_length() + 7) // 8)
        out += bytes((tag,)) + (bytes((len(content),)) if n == 0 else bytes((0x80 | n,)) + len(content).to_bytes(n, 'big')) + content
        i = start + size
    return out


def _is_one_element(data):
    try:
        size = data[1]
        if size >= 0x80:
            count = size & 0x7f
            return 0 < count <= 4 and 2 + count + int.from_bytes(data[2:2 + count], 'big') == len(data)
        return 2 + size == len(data)
    except IndexError:
        return False


def test_stretch_keeps_the_content_and_makes_every_length_long():
    done = done_message(5, cookie=b'ck')
    stretched = _stretch(done, 4, inner=True)
    assert stretched[:6] == b'\x30\x84\x00\x00\x00' + bytes((len(stretched) - 6,))
    assert stretched[6:12] == b'\x02\x84\x00\x00\x00\x01' and stretched[12] == 5  # the message ID
    assert b'\x0a\x84\x00\x00\x00\x01\x00' in stretched  # the result code (ENUMERATED)
    assert b'\x02\x84\x00\x00\x00\x01\x0a' in stretched  # the page size inside the control value (INTEGER)
    assert _stretch(stretched, 0, inner=True) == done  # 0: back to the shortest form


@pytest.mark.parametrize('octets', [1, 2, 3, 4])
def test_non_minimal_lengths_of_every_element_decode_as_the_minimal_ones(octets):
    """Message IDs, result codes (ENUMERATED), the paged control's INTEGER and cookie, every SEQUENCE and SET in long form."""
    first = [('uid=a,ou=People', [('uid', [b'a']), ('mail', [b'a@x'])]), ('uid=b,ou=People', [('uid', [b'b']), ('cn', [])])]
    second = [('uid=c,ou=People', [('uid', [b'c']), ('mail', [b'c@x', b'c2@x' * 100])])]
    pages = [lambda mid: _stretch(b''.join(entry_message(mid, dn, attrs) for dn, attrs in first) + done_message(mid, cookie=b'next-page'),
                                  octets, inner=True),
             lambda mid: _stretch(b''.join(entry_message(mid, dn, attrs) for dn, attrs in second) + done_message(mid, cookie=b''), octets, inner=True)]
    channel = FakeChannel(pages, chunk=5)
    search, entries = _search(channel)
    assert entries == [(b'uid=a,ou=People', {b'uid': [b'a'], b'mail': [b'a@x']}), (b'uid=b,ou=People', {b'uid': [b'b']}),
                       (b'uid=c,ou=People', {b'uid': [b'c'], b'mail': [b'c@x', b'c2@x' * 100]})]
    assert (search.result, search.pages_read, search.entries_read) == ('success', 2, 3)
    assert b'next-page' in channel.sent[1]


@pytest.mark.parametrize('octets', [1, 4])
def test_non_minimal_lengths_in_results_references_and_notices(octets):
    def reference(mid):
        return _message(mid, 'searchResRef', R.SearchResultReference().setComponentByPosition(0, R.URI('ldap://other/dc=x')))

    channel = FakeChannel([lambda mid: _stretch(entry_message(mid + 7, 'uid=stray', [('uid', [b'x'])]) + reference(mid)
                                                + entry_message(mid, 'uid=a', [('uid', [b'a'])]) + done_message(mid, 4, diagnostic='limit'), octets)])
    search, entries = _search(channel)
    assert (search.result, search.message, search.references, [dn for dn, dummy in entries]) == ('sizeLimitExceeded', 'limit', 1, [b'uid=a'])
    channel = FakeChannel([lambda mid: _stretch(notice_of_disconnection('shutting down'), octets)])
    with pytest.raises(_ldap_wire.WireError, match='notice of disconnection, unavailable: shutting down'):
        _search(channel)


def test_a_bind_response_as_active_directory_writes_it():
    """AD's framing, byte for byte: 0x84 lengths for the message and the operation, short ones for the primitives."""
    vector = bytes.fromhex('3084000000100201016184000000070a010004000400')
    channel = FakeChannel([lambda mid: vector], chunk=1)
    channel.sendall(b'bind')
    assert _ldap_wire.read_response(channel, 1, 0x61) == (0, '')
    stretched = _stretch(vector, 4)  # and the message ID, the result code and the strings in long form too
    assert stretched[:5] == bytes.fromhex('3084000000') and stretched[6:19] == bytes.fromhex('02840000000101618400000013')
    channel = FakeChannel([lambda mid: stretched], chunk=3)
    channel.sendall(b'bind')
    assert _ldap_wire.read_response(channel, 1, 0x61) == (0, '')


def test_a_message_id_above_127_in_long_form():
    """Message ID 300 (two content octets) with a four-octet length, and 200 (a leading zero octet: 0x00c8, still minimal)."""
    for message_id in (200, 300, 70000):
        channel = FakeChannel([lambda mid: _stretch(entry_message(message_id, 'uid=a', [('uid', [b'a'])]) + done_message(message_id), 4)])
        channel.message_id = message_id - 1
        search, entries = _search(channel)
        assert [dn for dn, dummy in entries] == [b'uid=a'] and search.result == 'success'


@settings(max_examples=150, deadline=None)
@given(_entries, st.integers(min_value=1, max_value=600), st.data())
def test_any_mix_of_length_forms_decodes_to_what_pyasn1_encoded(entries, chunk, data):
    widths = data.draw(st.lists(st.integers(min_value=0, max_value=4), min_size=1, max_size=50))
    counter = iter(range(1 << 30))

    def width(tag, size):
        return widths[next(counter) % len(widths)]

    # inner (a control value's own BER) only in the SearchResultDone: an attribute value may look like BER by chance
    channel = FakeChannel([lambda mid: _stretch(b''.join(entry_message(mid, dn, sorted(attrs.items())) for dn, attrs in entries), width)
                           + _stretch(done_message(mid, cookie=b''), width, inner=True)], chunk)
    dummy, decoded = _search(channel)
    assert decoded == [(dn.encode('utf-8'), {name.lower().encode(): values for name, values in attrs.items()}) for dn, attrs in entries]
