# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit's paged search on the wire (RFC 4511 SearchRequest, RFC 2696 paged results). PRIVATE to this collection.

ldap3 opens the connection, binds and reads the root DSE and schema. The bulk of an audit is one paged
search per container, and ldap3 decodes every answer generically (about 100 microseconds per entry, most
of an audit's time). This module encodes that search, sends it over the audit's own channel
(``_ldap_channel``) and decodes only what the audit counts: each entry's DN and its attribute values as
bytes. Nothing here decides a verdict.
"""

from __future__ import annotations

import traceback

from ansible_collections.safeq.preflight.plugins.module_utils import _ber

try:
    from ldap3.operation.search import compile_filter, parse_filter
    from pyasn1.codec.ber import encoder as ber_encoder
    FILTER_IMPORT_ERROR = None
except ImportError:
    compile_filter = parse_filter = ber_encoder = None
    FILTER_IMPORT_ERROR = traceback.format_exc()

PAGED_RESULTS_OID = b'1.2.840.113556.1.4.319'
SCOPES = {'base': 0, 'one': 1, 'subtree': 2}
DEREF_ALWAYS = 3  # as ldap3's searches did
# Result codes the audit names (RFC 4511 section 4.1.9), in ldap3's spelling.
RESULT_NAMES = {0: 'success', 1: 'operationsError', 2: 'protocolError', 3: 'timeLimitExceeded', 4: 'sizeLimitExceeded',
                7: 'authMethodNotSupported', 8: 'strongerAuthRequired', 11: 'adminLimitExceeded', 12: 'unavailableCriticalExtension',
                13: 'confidentialityRequired', 32: 'noSuchObject', 34: 'invalidDNSyntax', 48: 'inappropriateAuthentication',
                49: 'invalidCredentials', 50: 'insufficientAccessRights', 51: 'busy', 52: 'unavailable', 53: 'unwillingToPerform',
                80: 'other'}
_ENTRY, _REFERENCE, _DONE, _EXTENDED = 0x64, 0x73, 0x65, 0x78
_RECV_SIZE = 1 << 18


class WireError(Exception):
    """The search could not go on: connection closed, notice of disconnection or a malformed answer."""


tlv = _ber.tlv
integer = _ber.integer


def encode_filter(text):
    """BER of an RFC 4515 filter string (ldap3's parser, so ldap3's messages for a malformed filter)."""
    if compile_filter is None:
        raise ImportError(FILTER_IMPORT_ERROR)
    return ber_encoder.encode(compile_filter(parse_filter(text, None, True, True, None, False).elements[0]))


def search_request(message_id, base, filter_ber, attributes, page_size, cookie=b'', scope='subtree'):
    """One LDAPMessage: SearchRequest with the paged results control (non-critical)."""
    selection = tlv(0x30, b''.join(tlv(0x04, name.encode('utf-8')) for name in attributes))
    limits = integer(0x02, 0) + integer(0x02, 0) + b'\x01\x01\x00'  # no size or time limit, types and values
    request = tlv(0x63, tlv(0x04, base.encode('utf-8')) + integer(0x0a, SCOPES[scope]) + integer(0x0a, DEREF_ALWAYS) + limits + filter_ber + selection)
    control = tlv(0x30, tlv(0x04, PAGED_RESULTS_OID) + tlv(0x04, tlv(0x30, integer(0x02, page_size) + tlv(0x04, cookie))))
    return tlv(0x30, integer(0x02, message_id) + request + tlv(0xa0, control))


def _length(data, i):
    """(length, index of the content) for the length octets at ``i``."""
    try:
        return _ber.length(data, i)
    except _ber.BerError as exc:
        raise WireError(str(exc)) from None


def _expect(data, i, tag):
    if data[i] != tag:
        raise WireError('malformed answer: tag 0x%02x where 0x%02x belongs' % (data[i], tag))
    return _length(data, i + 1)


def parse_entry(data, i, end, keep=None, names=None):
    """SearchResultEntry content ``data[i:end]`` -> (dn bytes, {lower-case attribute name bytes: [value bytes]}).

    An attribute without values is left out. With ``keep`` (a set of lower-case names), only those
    attributes' values are decoded; any other maps to True. ``names`` (a dict the caller keeps for a
    search) caches each attribute name as the server spells it. This is the hot loop of an audit: the
    usual short forms are read inline, anything else goes through ``_expect``/``_length``.
    """
    if names is None:
        names = {}
    if data[i] == 0x04 and data[i + 1] < 0x80:
        size = data[i + 1]
        i += 2
    else:
        size, i = _expect(data, i, 0x04)
    dn = data[i:i + size]
    i += size
    if data[i] != 0x30:
        raise WireError('malformed answer: attribute list tag 0x%02x' % data[i])
    i += 2 if data[i + 1] < 0x80 else 2 + (data[i + 1] & 0x7f)
    attributes = {}
    while i < end:
        if data[i] == 0x30 and data[i + 1] < 0x80 and data[i + 2] == 0x04 and data[i + 3] < 0x80:
            size = data[i + 3]
            i += 4
        else:
            size, i = _expect(data, i, 0x30)
            size, i = _expect(data, i, 0x04)
        spelled = data[i:i + size]
        i += size
        if data[i] == 0x31 and data[i + 1] < 0x80:
            stop = i + 2 + data[i + 1]
            i += 2
        else:
            size, i = _expect(data, i, 0x31)
            stop = i + size
        name = names.get(spelled)
        if name is None:
            lower = spelled.lower()
            name = names[spelled] = (lower, keep is None or lower in keep)
        if stop == i:
            continue
        if not name[1]:
            attributes[name[0]] = True
            i = stop
            continue
        values = []
        while i < stop:
            if data[i] == 0x04 and data[i + 1] < 0x80:
                size = data[i + 1]
                i += 2
            else:
                size, i = _expect(data, i, 0x04)
            values.append(data[i:i + size])
            i += size
        attributes[name[0]] = values
    if i != end:
        raise WireError('malformed answer: entry overruns its message')
    return dn, attributes


def _message_id(data, i):
    """(message ID, index after it) of the INTEGER at ``i``; its length may be in long form (Active Directory writes 0x84)."""
    if data[i] != 0x02:
        raise WireError('malformed answer: message ID tag 0x%02x' % data[i])
    size = data[i + 1]
    if size < 0x80:
        return int.from_bytes(data[i + 2:i + 2 + size], 'big'), i + 2 + size
    size, i = _length(data, i + 1)
    return int.from_bytes(data[i:i + size], 'big'), i + size


def _header(data, i):
    """(content start, content end) of the element at ``i``; lengths up to 0xffff inline."""
    size = data[i + 1]
    if size < 0x80:
        return i + 2, i + 2 + size
    if size == 0x82:
        return i + 4, i + 4 + (data[i + 2] << 8 | data[i + 3])
    size, start = _length(data, i + 1)
    return start, start + size


def read_response(channel, message_id, tag):
    """Read the single answer ``tag`` to ``message_id`` (bind, extended operation) -> (result code, diagnostic)."""
    data = b''
    while True:
        if len(data) >= 6:
            if data[0] != 0x30:
                raise WireError('malformed answer: tag 0x%02x at a message start' % data[0])
            start, end = _header(data, 0)
            if end <= len(data):
                try:
                    got, i = _message_id(data, start)
                    if data[i] == tag and got == message_id:
                        return _result(data, *_header(data, i))
                    if got == 0 and data[i] == _EXTENDED:
                        code, message = _result(data, *_header(data, i))
                        raise WireError('the server ended the session (notice of disconnection, %s: %s)' % (RESULT_NAMES.get(code, code), message))
                except IndexError:
                    raise WireError('malformed answer to message %d' % message_id) from None
                data = data[end:]
                continue
        chunk = channel.recv(_RECV_SIZE)
        if not chunk:
            raise WireError('the server closed the connection before answering')
        data += chunk


def _result(data, i, end):
    """LDAPResult content -> (code, diagnostic message)."""
    size, i = _expect(data, i, 0x0a)
    code = int.from_bytes(data[i:i + size], 'big')
    size, i = _expect(data, i + size, 0x04)
    size, i = _expect(data, i + size, 0x04)
    return code, data[i:min(i + size, end)].decode('utf-8', 'replace')


def _paged_cookie(data, i, end):
    """The cookie of the paged results control in the Controls ``data[i:end]`` (b'' when absent: the last page)."""
    while i < end:
        size, i = _expect(data, i, 0x30)
        stop = i + size
        size, j = _expect(data, i, 0x04)
        if data[j:j + size] == PAGED_RESULTS_OID:
            j += size
            if data[j] == 0x01:  # criticality
                size, j = _length(data, j + 1)
                j += size
            size, j = _expect(data, j, 0x04)
            size, j = _expect(data, j, 0x30)
            size, j = _expect(data, j, 0x02)
            size, j = _expect(data, j + size, 0x04)
            return data[j:j + size]
        i = stop
    return b''


class PagedSearch:
    """A paged subtree search over an open, bound LDAP socket; ``pages()`` streams lists of (dn, attributes).

    After the stream: ``result`` is the final result code's name (``sizeLimitExceeded`` when a limit cut it
    short), ``message`` the server's diagnostic, ``pages_read``, ``entries_read`` and ``references`` what arrived.
    """

    def __init__(self, sock, next_message_id, base, filter_ber, attributes, page_size, keep=None):
        self._sock = sock
        self._next_id = next_message_id
        self._request = (base, filter_ber, list(attributes), page_size)
        self._keep = keep
        self._buffer = b''
        self.result = None
        self.message = ''
        self.pages_read = 0
        self.references = 0
        self.entries_read = 0

    def pages(self):
        """Yield one list of ``parse_entry`` results per page, as each page's SearchResultDone arrives."""
        try:
            yield from self._pages()
        except (IndexError, ValueError) as exc:  # a length pointing past the data, a bad integer
            raise WireError('malformed answer after %d entries: %s' % (self.entries_read, exc)) from None

    def _pages(self):
        base, filter_ber, attributes, page_size = self._request
        keep, names, cookie = self._keep, {}, b''
        message_id = self._next_id()
        self._sock.sendall(search_request(message_id, base, filter_ber, attributes, page_size, cookie))
        while True:
            # Frame the whole page first and ask for the next one as soon as its SearchResultDone is in:
            # the server then works on the next page while this one is decoded.
            framed, cookie = self._frame_page(message_id)
            self.pages_read += 1
            if cookie:
                message_id = self._next_id()
                self._sock.sendall(search_request(message_id, base, filter_ber, attributes, page_size, cookie))
            yield [parse_entry(data, start, stop, keep, names) for data, start, stop in framed]
            if not cookie:
                return

    def _frame_page(self, message_id):
        """Read one page: ([(data, start, end) of each SearchResultEntry's content], paged results cookie)."""
        framed = []
        data, pos = self._buffer, 0
        while True:
            i = end = -1
            if len(data) - pos >= 6:
                if data[pos] != 0x30:
                    raise WireError('malformed answer: tag 0x%02x at a message start' % data[pos])
                i, end = _header(data, pos)
            if end < 0 or end > len(data):
                chunk = self._sock.recv(_RECV_SIZE)
                if not chunk:
                    raise WireError('the server closed the connection after %d entries' % (self.entries_read + len(framed)))
                data, pos = data[pos:] + chunk, 0
                continue
            pos = end
            if data[i] == 0x02 and data[i + 1] < 0x80:  # the usual short form inline: this runs once per entry
                got = int.from_bytes(data[i + 2:i + 2 + data[i + 1]], 'big')
                i += 2 + data[i + 1]
            else:
                got, i = _message_id(data, i)
            tag = data[i]
            start, stop = _header(data, i)
            if got != message_id:
                if got == 0 and tag == _EXTENDED:
                    code, message = _result(data, start, stop)
                    raise WireError('the server ended the session (notice of disconnection, %s: %s)' % (RESULT_NAMES.get(code, code), message))
            elif tag == _ENTRY:
                framed.append((data, start, stop))
            elif tag == _REFERENCE:
                self.references += 1
            elif tag == _DONE:
                self._buffer = data[pos:]
                self.entries_read += len(framed)
                code, self.message = _result(data, start, stop)
                self.result = RESULT_NAMES.get(code, 'code %d' % code)
                cookie = b''
                if code == 0 and stop < end and data[stop] == 0xa0:
                    i, control_end = _header(data, stop)
                    cookie = _paged_cookie(data, i, control_end)
                return framed, cookie
