# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Probe payloads and answer parsers against the byte layouts in the references (SNMP, Time, certificates)."""

from __future__ import annotations

import datetime
import ipaddress

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from ansible_collections.safeq.preflight.plugins.module_utils.ports import _port_payloads

# The 43-byte v2c GET sysDescr.0 request from protocols.md section 4 (request-id 0x12345678).
REFERENCE_REQUEST = bytes.fromhex('302902010104067075626c6963a01c020412345678020100020100300e300c06082b060102010101000500')
NOW = datetime.datetime(2026, 11, 28, tzinfo=datetime.timezone.utc)


def _tlv(tag, body, long_form=False):
    if long_form or len(body) > 127:
        return bytes([tag, 0x82]) + len(body).to_bytes(2, 'big') + body  # non-minimal long form, as nmap's probes use
    return bytes([tag, len(body)]) + body


def _response(request_id_bytes, value_tlv, status=b'\x02\x01\x00', long_form=False):
    varbinds = _tlv(0x30, _tlv(0x30, _port_payloads.SYS_DESCR_OID + value_tlv))
    pdu = _tlv(0xA2, _tlv(0x02, request_id_bytes) + status + b'\x02\x01\x00' + varbinds, long_form)
    return _tlv(0x30, b'\x02\x01\x01\x04\x06public' + pdu, long_form)


def test_snmp_request_is_the_reference_bytes():
    assert _port_payloads.snmp_get_sysdescr('public', 0x12345678) == REFERENCE_REQUEST


def test_snmp_request_length_follows_the_community():
    request = _port_payloads.snmp_get_sysdescr('x' * 100, 1)
    assert request[:3] == b'\x30\x81' + bytes([35 + 100]) and request[6:8] == b'\x04\x64'


def test_snmp_reply_is_parsed_with_minimal_integers_and_long_lengths():
    text = b'Linux printer 5.9 ' * 10
    value = b'\x04\x81' + bytes([len(text)]) + text
    assert _port_payloads.parse_snmp(_response(b'\x01', value, long_form=True), 1) == text.decode()
    assert _port_payloads.parse_snmp(_response(b'\x12\x34\x56\x78', b'\x04\x03abc'), 0x12345678) == 'abc'


@pytest.mark.parametrize('value, status', [(b'\x80\x00', b'\x02\x01\x00'), (b'\x05\x00', b'\x02\x01\x02')])
def test_no_such_object_and_no_such_name_still_mean_snmp_is_up(value, status):
    assert _port_payloads.parse_snmp(_response(b'\x07', value, status), 7) == ''


@pytest.mark.parametrize('data, message', [
    (b'', 'truncated'), (b'\x04\x00', 'not an SNMP message'), (_response(b'\x07', b'\x04\x01a')[:-3], 'runs past'),
    (_response(b'\x08', b'\x04\x01a'), 'request-id 8 does not match 7'),
])
def test_broken_snmp_replies_raise(data, message):
    with pytest.raises(_port_payloads.PayloadError, match=message):
        _port_payloads.parse_snmp(data, 7)


def test_time_protocol_seconds_since_1900():
    seconds = int((NOW - _port_payloads.TIME_EPOCH).total_seconds()) + 5
    when, skew = _port_payloads.parse_time(seconds.to_bytes(4, 'big'), NOW)
    assert when == '2026-11-28T00:00:05+00:00' and skew == 5
    with pytest.raises(_port_payloads.PayloadError):
        _port_payloads.parse_time(b'\x00\x01', NOW)


@pytest.mark.parametrize('name, dns, ips, cns, expected', [
    ('cml1.example.com', ['cml1.example.com'], [], [], True),
    ('CML1.Example.com.', ['cml1.example.com'], [], [], True),
    ('cml1.example.com', ['*.example.com'], [], [], True),
    ('a.b.example.com', ['*.example.com'], [], [], False),
    ('example.com', ['*.com'], [], [], False),
    ('cml1.example.com', [], [], ['cml1.example.com'], True),
    ('cml1.example.com', ['other.example.com'], [], ['cml1.example.com'], False),
    ('198.18.0.2', [], ['198.18.0.2'], [], True),
    ('198.18.0.3', [], ['198.18.0.2'], ['198.18.0.3'], False),
])
def test_name_matching_follows_rfc_6125(name, dns, ips, cns, expected):
    assert _port_payloads.name_matches(name, dns, ips, cns) is expected


def _der(days_from, days_to, cn='cml1.example.com', sans=('cml1.example.com',), ip=None):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    issuer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'Lab CA')])
    names = [x509.DNSName(item) for item in sans] + ([x509.IPAddress(ipaddress.ip_address(ip))] if ip else [])
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key()).serial_number(1)
               .not_valid_before(NOW + datetime.timedelta(days=days_from)).not_valid_after(NOW + datetime.timedelta(days=days_to)))
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(key, hashes.SHA256()).public_bytes(Encoding.DER)


def test_certificate_facts():
    facts = _port_payloads.certificate_facts(_der(-10, 20, ip='198.18.0.2'), 'cml1.example.com', NOW)
    assert facts['subject'] == 'CN=cml1.example.com' and facts['issuer'] == 'CN=Lab CA' and facts['self_signed'] is False
    assert facts['days_left'] == 20 and facts['name_matches'] is True and facts['san_ip'] == ['198.18.0.2']
    assert _port_payloads.certificate_facts(_der(-30, -2), 'cml1.example.com', NOW)['days_left'] == -2
    assert _port_payloads.certificate_facts(_der(-1, 5, sans=()), 'cml1.example.com', NOW)['name_matches'] is True
    assert _port_payloads.certificate_facts(b'\x30\x03\x02\x01\x00', 'x', NOW)['parse_error'].startswith('certificate does not parse')
