# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The connection an audit streams its paged searches over. PRIVATE to this collection.

A directory server writes one TLS record per search entry. Read through ``ssl.SSLSocket`` that is two
system calls and a Python round trip per entry; here TLS runs over memory buffers instead: one ``recv``
takes in many records and all of them are decrypted in a row. The channel binds (simple bind) with the
integration account that ldap3 has already bound with; with TLS it accepts only the certificate the
ldap3 connection was validated with (``pinned_certificate``), so it never trusts more than that one.
"""

from __future__ import annotations

import hashlib
import socket
import ssl

from ansible_collections.safeq.preflight.plugins.module_utils.ldap._ldap_wire import RESULT_NAMES, WireError, integer, read_response, tlv

STARTTLS_OID = b'1.3.6.1.4.1.1466.20037'
_RAW_RECV = 1 << 18
_TLS_RECORD = 1 << 14  # the most plaintext one TLS record carries: a larger read buffer is allocated and shrunk per record


class Channel:
    """``sendall``/``recv`` over a TCP socket, with TLS (LDAPS or StartTLS) on memory BIOs; ``next_message_id`` counts."""

    def __init__(self, host, port, timeout):
        self._sock = socket.create_connection((host, port), timeout)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # a bind after the handshake must not wait for a delayed ACK
        self._tls = None
        self._incoming = self._outgoing = None
        self._message_id = 0

    def next_message_id(self):
        self._message_id += 1
        return self._message_id

    def close(self):
        """UnbindRequest (best effort, so the server logs a clean end), then close the socket."""
        try:
            self.sendall(tlv(0x30, integer(0x02, self.next_message_id()) + b'\x42\x00'))
        except (OSError, ssl.SSLError):
            pass
        try:
            self._sock.close()
        except OSError:
            pass

    def start_tls(self, server_hostname, pinned_certificate):
        """TLS handshake; the server must present ``pinned_certificate`` (DER) when one is given."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # trust is the pinned certificate, checked below
        self._incoming, self._outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        self._tls = context.wrap_bio(self._incoming, self._outgoing, server_hostname=server_hostname)
        while True:
            try:
                self._tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                self._flush()
                self._fill()
        self._flush()
        presented = self._tls.getpeercert(binary_form=True)
        if pinned_certificate is not None and presented != pinned_certificate:
            raise WireError('the server presented a different certificate on the second connection (SHA-256 %s)'
                            % hashlib.sha256(presented or b'').hexdigest())

    def _flush(self):
        pending = self._outgoing.read()
        if pending:
            self._sock.sendall(pending)

    def _fill(self):
        data = self._sock.recv(_RAW_RECV)
        if not data:
            raise WireError('the server closed the connection')
        self._incoming.write(data)

    def sendall(self, data):
        if self._tls is None:
            self._sock.sendall(data)
            return
        self._tls.write(data)
        self._flush()

    def recv(self, size):
        """Whatever has arrived (at least one byte; b'' when the server closed): all decrypted records in a row."""
        if self._tls is None:
            return self._sock.recv(size)
        parts = []
        while True:
            try:
                parts.append(self._tls.read(_TLS_RECORD))
            except ssl.SSLWantReadError:
                if parts:
                    return b''.join(parts)
                data = self._sock.recv(_RAW_RECV)
                if not data:
                    return b''
                self._incoming.write(data)
            except ssl.SSLZeroReturnError:
                return b''.join(parts)


def result_text(code, message):
    """'confidentialityRequired: message' of an LDAP result code."""
    return '%s%s' % (RESULT_NAMES.get(code, 'code %d' % code), (': ' + message) if message else '')


def open_channel(host, port, security, timeout, bind_dn, bind_password, server_hostname=None, pinned_certificate=None):
    """A bound Channel; raises WireError (or OSError) when it cannot be set up."""
    channel = Channel(host, port, timeout)
    try:
        if security == 'ldaps':
            channel.start_tls(server_hostname or host, pinned_certificate)
        elif security == 'starttls':
            message_id = channel.next_message_id()
            channel.sendall(tlv(0x30, integer(0x02, message_id) + tlv(0x77, tlv(0x80, STARTTLS_OID))))
            code, message = read_response(channel, message_id, 0x78)
            if code != 0:
                raise WireError('StartTLS refused: %s' % result_text(code, message))
            channel.start_tls(server_hostname or host, pinned_certificate)
        message_id = channel.next_message_id()
        channel.sendall(tlv(0x30, integer(0x02, message_id) + tlv(0x60, b'\x02\x01\x03' + tlv(0x04, (bind_dn or '').encode('utf-8'))
                                                                        + tlv(0x80, (bind_password or '').encode('utf-8')))))
        code, message = read_response(channel, message_id, 0x61)
        if code != 0:
            raise WireError('the second bind failed: %s' % result_text(code, message))
    except BaseException:
        channel.close()
        raise
    return channel
