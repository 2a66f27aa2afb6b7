# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit's channel on loopback without TLS: what it writes is what ldap3's types encode."""

from __future__ import annotations

import socket
import threading

import pytest

from ansible_collections.safeq.preflight.plugins.module_utils.ldap import _ldap_channel

ldap3_rfc4511 = pytest.importorskip('ldap3.protocol.rfc4511')
from pyasn1.codec.ber import encoder  # noqa: E402  pylint: disable=wrong-import-position

R = ldap3_rfc4511


def _encoded(message_id, name, operation):
    message = R.LDAPMessage()
    message['messageID'] = R.MessageID(message_id)
    message['protocolOp'] = R.ProtocolOp().setComponentByName(name, operation)
    return encoder.encode(message)


def _bind_response(message_id, code, diagnostic):
    response = R.BindResponse()
    response['resultCode'] = R.ResultCode(code)
    response['matchedDN'] = R.LDAPDN('')
    response['diagnosticMessage'] = R.LDAPString(diagnostic)
    return _encoded(message_id, 'bindResponse', response)


class _Server:
    """One loopback connection: answers the bind with ``code``, then records everything until the client closes."""

    def __init__(self, code=0, diagnostic=''):
        self.listener = socket.create_server(('127.0.0.1', 0))
        self.port = self.listener.getsockname()[1]
        self.received = b''
        self.thread = threading.Thread(target=self._serve, args=(code, diagnostic), daemon=True)
        self.thread.start()

    def _serve(self, code, diagnostic):
        connection, dummy = self.listener.accept()
        with connection:
            answered = False
            while True:
                data = connection.recv(65536)
                if not data:
                    break
                self.received += data
                if not answered:
                    connection.sendall(_bind_response(1, code, diagnostic))
                    answered = True
        self.listener.close()


def _simple_bind(message_id, dn, password):
    request = R.BindRequest()
    request['version'] = R.Version(3)
    request['name'] = R.LDAPDN(dn)
    request['authentication'] = R.AuthenticationChoice().setComponentByName('simple', R.Simple(password))
    return _encoded(message_id, 'bindRequest', request)


def test_binds_then_unbinds_with_the_bytes_ldap3_would_send():
    server = _Server()
    channel = _ldap_channel.open_channel('127.0.0.1', server.port, 'none', 5.0, 'cn=sync,dc=lab', 'Sync-Secret')
    channel.close()
    server.thread.join(5)
    assert server.received == _simple_bind(1, 'cn=sync,dc=lab', 'Sync-Secret') + _encoded(2, 'unbindRequest', R.UnbindRequest())


def test_a_refused_second_bind_names_the_result_not_the_password():
    server = _Server(49, '80090308: LdapErr: DSID-0C09041C, data 52e')
    with pytest.raises(_ldap_channel.WireError) as failure:
        _ldap_channel.open_channel('127.0.0.1', server.port, 'none', 5.0, 'cn=sync,dc=lab', 'Sync-Secret')
    server.thread.join(5)
    assert 'the second bind failed: invalidCredentials: 80090308' in str(failure.value) and 'Sync-Secret' not in str(failure.value)
