# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Protocol payloads that make an open UDP service answer, and parsers for the answers.

PRIVATE to this collection. SNMP v2c GetRequest sysDescr.0 (RFC 1901/3416), SQL Server Browser
CLNT_UCAST_EX (MC-SQLR), Time protocol (RFC 868), and the certificate facts of a TLS handshake.
The bytes are built here, in Python, for both places a probe runs from (POSIX host, Windows node).
"""

from __future__ import annotations

import datetime

from ansible_collections.safeq.preflight.plugins.module_utils import _ber
from ansible_collections.safeq.preflight.plugins.module_utils.mssql import _ssrp

try:
    from cryptography import x509
    from cryptography.x509.oid import ExtensionOID, NameOID
    HAS_CRYPTOGRAPHY = True
except ImportError:  # pragma: no cover - ansible-core depends on cryptography
    HAS_CRYPTOGRAPHY = False

SYS_DESCR_OID = b'\x06\x08\x2b\x06\x01\x02\x01\x01\x01\x00'
TIME_EPOCH = datetime.datetime(1900, 1, 1, tzinfo=datetime.timezone.utc)


class PayloadError(ValueError):
    """An answer that does not parse as the protocol asked."""


_tlv = _ber.tlv


def snmp_get_sysdescr(community, request_id):
    """SNMP v2c GetRequest for sysDescr.0 with a positive 31-bit request-id."""
    varbind = _tlv(0x30, _tlv(0x30, SYS_DESCR_OID + b'\x05\x00'))
    pdu = _tlv(0xA0, _tlv(0x02, request_id.to_bytes(4, 'big')) + b'\x02\x01\x00\x02\x01\x00' + varbind)
    return _tlv(0x30, b'\x02\x01\x01' + _tlv(0x04, community.encode('utf-8')) + pdu)


def _read(data, offset):
    """One BER TLV at ``offset``: (tag, value bytes, next offset)."""
    if offset + 2 > len(data):
        raise PayloadError('truncated BER at offset %d' % offset)
    tag = data[offset]
    try:
        size, offset = _ber.length(data, offset + 1, max_octets=3)
    except _ber.BerError:
        raise PayloadError('bad BER length at offset %d' % (offset + 1)) from None
    if offset + size > len(data):
        raise PayloadError('BER value at offset %d runs past the datagram' % offset)
    return tag, data[offset:offset + size], offset + size


def parse_snmp(data, request_id):
    """Return the sysDescr text of a GetResponse matching ``request_id`` (``''`` for noSuchObject/noSuchName)."""
    tag, message, dummy = _read(data, 0)
    if tag != 0x30:
        raise PayloadError('not an SNMP message (tag 0x%02x)' % tag)
    offset = 0
    tag, version, offset = _read(message, offset)
    tag, community, offset = _read(message, offset)
    tag, pdu, offset = _read(message, offset)
    if tag != 0xA2:
        raise PayloadError('not a GetResponse PDU (tag 0x%02x)' % tag)
    offset = 0
    tag, rid, offset = _read(pdu, offset)
    if int.from_bytes(rid, 'big', signed=True) != request_id:
        raise PayloadError('request-id %d does not match %d' % (int.from_bytes(rid, 'big', signed=True), request_id))
    tag, status, offset = _read(pdu, offset)
    tag, dummy, offset = _read(pdu, offset)
    tag, varbinds, offset = _read(pdu, offset)
    if int.from_bytes(status, 'big') != 0:
        return ''
    tag, varbind, dummy = _read(varbinds, 0)
    tag, oid, offset = _read(varbind, 0)
    tag, value, dummy = _read(varbind, offset)
    if tag != 0x04:
        return ''
    return value.decode('utf-8', 'replace')


def ssrp_request():
    return _ssrp.ucast_ex()


def parse_ssrp(data):
    """Instance names and TCP ports from a CLNT_UCAST_EX reply."""
    instances = _ssrp.parse_response(data)[0]
    return [{'instance_name': item['instance_name'], 'tcp_port': item['tcp_port']} for item in instances]


def parse_time(data, now=None):
    """RFC 868: 32-bit seconds since 1900-01-01 UTC; returns (ISO time, skew seconds against ``now``)."""
    if len(data) < 4:
        raise PayloadError('a Time protocol answer has 4 bytes, got %d' % len(data))
    when = TIME_EPOCH + datetime.timedelta(seconds=int.from_bytes(data[:4], 'big'))
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return when.isoformat(), round((when - now).total_seconds())


def _names(cert):
    try:
        san = cert.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
        dns = san.get_values_for_type(x509.DNSName)
        ips = [str(item) for item in san.get_values_for_type(x509.IPAddress)]
    except x509.ExtensionNotFound:
        dns, ips = [], []
    return dns, ips


def name_matches(name, dns_names, ip_names, common_names):
    """RFC 6125: SANs when present (else the CN); a wildcard only as the whole leftmost label."""
    name = name.lower().rstrip('.')
    if name in ip_names:
        return True
    candidates = dns_names or ([] if ip_names else common_names)
    for pattern in (item.lower().rstrip('.') for item in candidates):
        if pattern == name:
            return True
        if pattern.startswith('*.') and '.' in name and name.split('.', 1)[1] == pattern[2:] and pattern.count('.') >= 2:
            return True
    return False


def certificate_facts(der, server_name, now=None):
    """Subject, SANs, issuer, expiry, days left and name match of a DER certificate."""
    if not HAS_CRYPTOGRAPHY:
        return {'parse_error': 'the cryptography Python library is needed to read certificates'}
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError as exc:
        return {'parse_error': 'certificate does not parse: %s' % exc}
    now = now or datetime.datetime.now(datetime.timezone.utc)
    not_after = cert.not_valid_after_utc
    dns, ips = _names(cert)
    cns = [attr.value for attr in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    return {
        'subject': cert.subject.rfc4514_string(), 'issuer': cert.issuer.rfc4514_string(), 'san_dns': dns, 'san_ip': ips,
        'not_before': cert.not_valid_before_utc.isoformat(), 'not_after': not_after.isoformat(),
        'days_left': (not_after - now).days,
        'self_signed': cert.subject == cert.issuer, 'name': server_name,
        'name_matches': name_matches(server_name, dns, ips, cns), 'parse_error': None,
    }
