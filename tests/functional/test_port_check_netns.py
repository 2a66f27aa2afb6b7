# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""port_check against real listeners behind real nftables rules, from the controller and from a simulated Windows node.

Ground truth is what this test builds in the server namespace (198.18.3.2): a TCP listener, DROP,
REJECT with a TCP reset, REJECT with ICMP port-unreachable, admin-prohibited and host-unreachable,
a UDP responder, net-snmp's snmpd, Time protocol servers, and TLS servers with a short-lived
certificate, a certificate for another name and an expired one. One ansible-playbook run in --check
mode probes all of it from the client namespace, once as the controller (Python engine) and once as a
simulated Windows node (one WinRM command; live probes reported with WinSock codes).
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import os
import re
import shutil
import sys
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.safeq.preflight.plugins.module_utils.ports import _port_evaluate
from tests.lab import lab
from tests.lab.netns import NamespacePair

SERVER = '198.18.3.2'
RULES = [
    'tcp dport 7002 drop', 'tcp dport 7003 reject with tcp reset', 'tcp dport 7004 reject with icmp type port-unreachable',
    'tcp dport 7005 reject with icmp type admin-prohibited', 'tcp dport 7006 reject with icmp type host-unreachable',
    'udp dport 7103 drop', 'udp dport 7104 reject with icmp type admin-prohibited',
]
SYS_DESCR = 'safeq-lab printer 1.0'


def _certificate(tmp, name, subject_name, days_from, days_to, ip=None):
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject_name)])
    sans = [x509.DNSName(subject_name)] + ([x509.IPAddress(ipaddress.ip_address(ip))] if ip else [])
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now + datetime.timedelta(days=days_from))
            .not_valid_after(now + datetime.timedelta(days=days_to)).add_extension(x509.SubjectAlternativeName(sans), critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp / (name + '.crt'), tmp / (name + '.key')
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return {'cert': str(cert_path), 'key': str(key_path)}


def _wait_for(path, what, timeout=15):
    deadline = time.monotonic() + timeout
    while not os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert os.path.exists(path), '%s did not start in the namespace' % what


@pytest.fixture(scope='module')
def lab_net(tmp_path_factory):
    if shutil.which('snmpd') is None and not os.path.exists('/usr/sbin/snmpd'):
        pytest.fail('snmpd (net-snmp) is required: make system-deps installs it')
    tmp = tmp_path_factory.mktemp('pchk')
    config = {'tcp': [7001], 'udp_echo': [7101], 'time': [37], 'tls': [
        dict(port=4443, **_certificate(tmp, 'short', 'cml-lab.example', -1, 10, SERVER)),
        dict(port=4444, **_certificate(tmp, 'wrong', 'other.example', -1, 300)),
        dict(port=4445, **_certificate(tmp, 'expired', 'cml-lab.example', -30, -2, SERVER))]}
    (tmp / 'listeners.json').write_text(json.dumps(config))
    (tmp / 'snmpd.conf').write_text('agentAddress udp:%s:161\nrocommunity public 198.18.3.0/24\nsysDescr %s\n' % (SERVER, SYS_DESCR))
    pair = NamespacePair('pchk', '198.18.3')
    procs = []
    try:
        # Linux rate-limits the ICMP errors it sends; the ground truth must not depend on that budget.
        pair.run('b', ['sysctl', '-qw', 'net.ipv4.icmp_ratelimit=0'])
        for rule in RULES:
            pair.rule(rule)
        procs.append(pair.popen('b', [sys.executable, os.path.join(lab.REPO_ROOT, 'tests', 'lab', 'port_listeners.py'), '--address', SERVER,
                                      '--config', str(tmp / 'listeners.json'), '--ready', str(tmp / 'ready')]))
        procs.append(pair.popen('b', [shutil.which('snmpd') or '/usr/sbin/snmpd', '-f', '-Lf', str(tmp / 'snmpd.log'), '-C', '-c',
                                      str(tmp / 'snmpd.conf'), '-p', str(tmp / 'snmpd.pid')]))
        _wait_for(str(tmp / 'ready'), 'the listeners')
        _wait_for(str(tmp / 'snmpd.pid'), 'snmpd')
        yield pair
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(10)
        pair.close()


TARGETS = [
    {'host': SERVER, 'port': '7001-7007', 'entry': 'net.other.tcp-4100'},
    {'host': SERVER, 'port': 7101, 'proto': 'udp'},
    {'host': SERVER, 'port': [7102, 7103, 7104], 'proto': 'udp', 'entry': 'net.other.udp-5353-ap-connector'},
    {'host': SERVER, 'port': 161, 'proto': 'udp', 'probe': 'snmp'},
    {'host': SERVER, 'port': 37, 'probe': 'time'},
    {'host': SERVER, 'port': 37, 'proto': 'udp', 'probe': 'time'},
    {'host': SERVER, 'port': 4443, 'probe': 'tls', 'entry': 'net.other.tcp-8443-payment-system'},
    {'host': SERVER, 'port': 4444, 'probe': 'tls', 'server_name': 'cml-lab.example'},
    {'host': SERVER, 'port': 4445, 'probe': 'tls'},
    {'host': '198.18.99.2', 'port': 80},
    {'host': 'no-such-host.invalid', 'port': 80},
    {'host': SERVER, 'port': 7003, 'expect': 'reachable', 'resets': True, 'entry': 'net.other.tcp-4444'},  # Linux answers resets
]


@pytest.fixture(scope='module')
def probed(lab_net, tmp_path_factory):
    out = tmp_path_factory.mktemp('pchk-run')
    (out / 'task.json').write_text(json.dumps({'targets': TARGETS, 'timeout': 0.6, 'retries': 1, 'tls_min_days': 30}))
    proc = lab_net.run('a', [sys.executable, '-m', 'tests.lab.port_run', '--task', str(out / 'task.json'), '--out', str(out)], timeout=300)
    log = (out / 'playbook.log').read_text() if (out / 'playbook.log').exists() else ''
    assert (out / 'out.json').exists(), proc.stdout[-3000:] + proc.stderr[-3000:] + log[-3000:]
    return json.loads((out / 'out.json').read_text()), json.loads((out / 'commands.json').read_text()), log


def _states(result):
    return {'%s:%s/%s' % (r['host'], r['port'], r['proto']): (r['state'], r['reason']) for r in result['results']}


# Ground truth: (state, reason from the controller, reason from a Windows node). Windows sockets report an ICMP
# port-unreachable on TCP as a refusal (10061) and every ICMP unreachable code as "host unreachable" (10065).
EXPECTED = {
    '7001/tcp': ('open', 'syn-ack', 'syn-ack'),
    '7002/tcp': ('filtered', 'no-response', 'no-response'),
    '7003/tcp': ('closed', 'conn-refused', 'conn-refused'),
    '7004/tcp': ('closed', 'icmp-port-unreachable', 'conn-refused'),
    '7005/tcp': ('filtered', 'admin-prohibited', 'host-unreachable'),
    '7006/tcp': ('filtered', 'host-unreachable', 'host-unreachable'),
    '7007/tcp': ('closed', 'conn-refused', 'conn-refused'),
    '7101/udp': ('open', 'udp-response', 'udp-response'),
    '7102/udp': ('closed', 'icmp-port-unreachable', 'icmp-port-unreachable'),
    '7103/udp': ('open|filtered', 'no-response', 'no-response'),
    '7104/udp': ('filtered', 'admin-prohibited', 'host-unreachable'),
    '161/udp': ('open', 'app-response', 'app-response'),
    '37/tcp': ('open', 'app-response', 'app-response'),
    '37/udp': ('open', 'app-response', 'app-response'),
}


@pytest.mark.parametrize('host', ['ctl', 'cmlw'])
def test_every_state_and_reason_matches_the_rule_that_produced_it(probed, host):
    out, dummy, log = probed
    result = out[host]
    assert result['changed'] is False and not result.get('failed'), log[-3000:]
    states = _states(result)
    column = 1 if host == 'ctl' else 2
    for where, expected in EXPECTED.items():
        assert states['%s:%s' % (SERVER, where)] == (expected[0], expected[column]), where
    assert states['198.18.99.2:80/tcp'] == ('filtered', 'net-unreachable')
    assert states['no-such-host.invalid:80/tcp'] == ('unknown', 'dns-failure'), 'a DNS failure is a result, not a failed task'
    by_port = {(r['port'], r['proto']): r for r in result['results'] if not r['entry'] or r['port'] != 7003}
    assert by_port[(161, 'udp')]['app']['sys_descr'] == SYS_DESCR
    assert by_port[(7103, 'udp')]['attempts'] == 2
    for proto in ('tcp', 'udp'):
        assert abs(by_port[(37, proto)]['app']['skew_seconds']) <= 2
    assert sum(result['summary'].values()) == len(result['results']) == 20, 'a port named by two entries is probed for each'


@pytest.mark.parametrize('host', ['ctl', 'cmlw'])
def test_tls_facts_come_from_the_certificates_the_test_made(probed, host):
    by_port = {r['port']: r for r in probed[0][host]['results'] if r['probe'] == 'tls'}
    short, wrong, expired = by_port[4443]['tls'], by_port[4444]['tls'], by_port[4445]['tls']
    assert short['version'] in ('TLSv1.2', 'TLSv1.3') and short['subject'] == 'CN=cml-lab.example' and short['self_signed'] is True
    assert 8 <= short['days_left'] <= 10 and short['name_matches'] is True and short['san_ip'] == [SERVER]
    assert wrong['name_matches'] is False and wrong['name'] == 'cml-lab.example' and wrong['san_dns'] == ['other.example']
    assert expired['days_left'] < 0


@pytest.mark.parametrize('host', ['ctl', 'cmlw'])
def test_findings_judge_each_entry_by_its_worst_target(probed, host):
    findings = {f['id']: f for f in probed[0][host]['findings']}
    assert (findings['net.other.tcp-4100']['status'], findings['net.other.tcp-4100']['reason']) == ('fail', 'filtered')
    assert len(_port_evaluate.flows(findings['net.other.tcp-4100']['observed'])) == 7
    udp = findings['net.other.udp-5353-ap-connector']
    assert (udp['status'], udp['reason']) == ('fail', 'closed'), 'the first of the worst targets gives the reason'
    assert ':7102/udp: closed' in udp['detail'] and ':7104/udp: filtered' in udp['detail'] and ':7103/udp' not in udp['detail'], \
        'the detail names every target with the worst status, and only those'
    assert (findings['net.other.tcp-8443-payment-system']['status'], findings['net.other.tcp-8443-payment-system']['reason']) == \
        ('warn', 'tls-expiring')
    # 7003's reset comes from the server's own nftables 'reject with tcp reset' rule: the port is blocked, and a peer declared as
    # answering resets cannot tell it from its own reset, so a reset is never proof of an open path
    assert (findings['net.other.tcp-4444']['status'], findings['net.other.tcp-4444']['reason']) == ('warn', 'reset-not-proof')
    assert findings['net.other.tcp-4444']['source'].startswith('Optional | TCP | 4444'), 'source comes from the catalogue'
    assert findings['net.other.tcp-4444']['detail'].startswith('from %s to ' % host), 'every flow says from where it was probed'
    # the remediation is the catalogue's text, filled on the controller by the action plugin (the module gives reason and fix)
    assert re.match(r'Allow TCP 700[1-7] from %s to %s:700[1-7]/tcp on the Windows Firewall of the target and on every network '
                    r'firewall between; then start the service\.$' % (re.escape(host), re.escape(SERVER)),
                    findings['net.other.tcp-4100']['remediation']), findings['net.other.tcp-4100']
    assert all('fix' not in f and '{' not in f['remediation'] for f in findings.values()), findings
    assert set(findings) == {'net.other.tcp-4100', 'net.other.udp-5353-ap-connector', 'net.other.tcp-8443-payment-system',
                             'net.other.tcp-4444'}


def test_the_windows_node_ran_one_winrm_command_for_all_targets(probed):
    dummy, commands, log = probed
    assert [c['module'] for c in commands] == ['win_port_probe']
