# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A throwaway OpenLDAP slapd on loopback with a generated directory that has known defects.

Real slapd (Debian package), real TLS: a lab CA signs the server certificate; an expired, a self-signed
and a wrong-name certificate can be chosen. The dataset generator returns the ground truth (counts,
duplicates) that tests compare with what the module reports.

    python tests/lab/slapd.py serve --workdir D --users 1000 --state-file F
"""

from __future__ import annotations

import argparse
import datetime
import ipaddress
import json
import os
import signal
import socket
import subprocess
import sys
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

SUFFIX = 'dc=lab,dc=test'
ROOT_DN = 'cn=admin,' + SUFFIX
ROOT_PW = 'Root-Secret-lab'
BIND_DN = 'cn=safeq-sync,ou=Service,' + SUFFIX
BIND_PW = 'Sync-Secret-lab'
CONTAINERS = ('ou=People,' + SUFFIX, 'ou=Staff,' + SUFFIX, 'ou=Secret,' + SUFFIX)
SCHEMAS = ('core', 'cosine', 'inetorgperson', 'nis')


def _free_port(host):
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _write_key(key, path):
    with open(path, 'wb') as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    os.chmod(path, 0o600)


def make_certificates(directory, host, kind='good'):
    """A lab CA and a server certificate for ``host``: kind good, expiring, expired, self-signed or wrong-name. Returns paths."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(_name('safeq.preflight lab CA')).issuer_name(_name('safeq.preflight lab CA'))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=400))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True).sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.DNSName('wrong.example.invalid')] if kind == 'wrong-name' else [x509.DNSName('localhost'), x509.IPAddress(ipaddress.ip_address(host))]
    if kind == 'expired':
        before, after = now - datetime.timedelta(days=30), now - datetime.timedelta(days=1)
    else:
        before, after = now - datetime.timedelta(days=1), now + datetime.timedelta(days=10 if kind == 'expiring' else 200)
    issuer_key, issuer = (key, _name('self-signed ' + host)) if kind == 'self-signed' else (ca_key, ca.subject)
    cert = (x509.CertificateBuilder().subject_name(_name('self-signed ' + host if kind == 'self-signed' else host)).issuer_name(issuer)
            .public_key(key.public_key()).serial_number(x509.random_serial_number()).not_valid_before(before).not_valid_after(after)
            .add_extension(x509.SubjectAlternativeName(names), critical=False).sign(issuer_key, hashes.SHA256()))
    paths = {'ca': os.path.join(directory, 'ca.pem'), 'cert': os.path.join(directory, 'server.pem'), 'key': os.path.join(directory, 'server.key')}
    with open(paths['ca'], 'wb') as handle:
        handle.write(ca.public_bytes(serialization.Encoding.PEM))
    with open(paths['cert'], 'wb') as handle:
        handle.write(cert.public_bytes(serialization.Encoding.PEM))
    _write_key(key, paths['key'])
    return paths


def generate_dataset(users=100, missing_department=3, missing_mail=5, duplicate_cards=2, duplicate_logins=1, secret_users=4):
    """LDIF text and the ground truth of a directory with known defects (``holders``: the DNs holding each duplicated value)."""
    entries = ['dn: %s\nobjectClass: dcObject\nobjectClass: organization\no: lab\ndc: lab\n' % SUFFIX,
               'dn: ou=Service,%s\nobjectClass: organizationalUnit\nou: Service\n' % SUFFIX,
               'dn: %s\nobjectClass: simpleSecurityObject\nobjectClass: organizationalRole\ncn: safeq-sync\nuserPassword: %s\n' % (BIND_DN, BIND_PW)]
    for container in CONTAINERS:
        ou = container.split(',', maxsplit=1)[0].split('=')[1]
        entries.append('dn: %s\nobjectClass: organizationalUnit\nou: %s\n' % (container, ou))
    truth = {'users': 0, 'visible_users': 0, 'per_container': {c: 0 for c in CONTAINERS}, 'missing': {'department': 0, 'email': 0},
             'duplicate_card_values': [], 'duplicate_logins': [], 'secret_users': secret_users, 'holders': {}}
    staff_start = users - duplicate_logins - 5
    for index in range(users + secret_users):
        if index >= users:
            container = CONTAINERS[2]
        elif index >= staff_start:
            container = CONTAINERS[1]
        else:
            container = CONTAINERS[0]
        uid = 'user%06d' % index
        if container == CONTAINERS[1] and index - staff_start < duplicate_logins:
            uid = 'user%06d' % (index - staff_start)  # the same login as a People user: a duplicate across containers
            truth['duplicate_logins'].append(uid)
        card = '%010d' % (4000000000 + index)
        if index < duplicate_cards * 2 and index % 2 == 1:
            card = '%010d' % (4000000000 + index - 1)
            truth['duplicate_card_values'].append(card)
        if index < duplicate_cards * 2:
            truth['holders'].setdefault(card, []).append('uid=%s,%s' % (uid, container))
        if index < duplicate_logins or uid in truth['duplicate_logins']:
            truth['holders'].setdefault(uid, []).append('uid=%s,%s' % (uid, container))
        lines = ['dn: uid=%s,%s' % (uid, container), 'objectClass: inetOrgPerson', 'uid: %s' % uid, 'cn: User %d' % index,
                 'givenName: User', 'sn: Number%d' % index, 'employeeNumber: %s' % card, 'userPassword: pw%d' % index]
        visible = container != CONTAINERS[2]
        if not (10 <= index < 10 + missing_department):
            lines.append('departmentNumber: D%02d' % (index % 17))
        elif visible:
            truth['missing']['department'] += 1
        if not (20 <= index < 20 + missing_mail):
            lines.append('mail: %s@lab.test' % uid)
        elif visible:
            truth['missing']['email'] += 1
        entries.append('\n'.join(lines) + '\n')
        truth['users'] += 1
        truth['per_container'][container] += 1
        if visible:
            truth['visible_users'] += 1
    return '\n'.join(entries), truth


class Slapd:
    """slapd in ``workdir`` on ``host`` (LDAP and LDAPS ports chosen at start)."""

    def __init__(self, workdir, host='127.0.0.30', users=100, cert_kind='good', size_limit=500, dataset=None, extra_acls=(), paged_total='unlimited'):
        """``extra_acls``: slapd.conf ``access to`` lines placed before the final 'access to * by users read'; ``paged_total``: the
        users' size.prtotal (None: slapd's default, the hard size limit, which a paged search does not lift)."""
        self.workdir, self.host, self.cert_kind, self.size_limit = workdir, host, cert_kind, size_limit
        self.paged_total = paged_total
        self.extra_acls = list(extra_acls)
        self.dataset = dataset or {}
        self.users = users
        self.process = None
        self.truth = None
        self.port = self.ldaps_port = None
        self.certs = None

    def _paged_limits(self):
        return ' size.pr=1000 size.prtotal=%s' % self.paged_total if self.paged_total else ''

    def _config(self):
        schema = ''.join('include /etc/ldap/schema/%s.schema\n' % name for name in SCHEMAS)
        return (schema + 'modulepath /usr/lib/ldap\nmoduleload back_mdb\n'
                'pidfile {w}/slapd.pid\nargsfile {w}/slapd.args\n'
                'TLSCertificateFile {cert}\nTLSCertificateKeyFile {key}\nTLSCACertificateFile {ca}\n'
                'database mdb\nmaxsize 1073741824\nsuffix "{suffix}"\nrootdn "{rootdn}"\nrootpw {rootpw}\ndirectory {w}/db\n'
                'sizelimit {limit}\nlimits users size.soft={limit} size.hard={limit}' + self._paged_limits() + '\n'
                'index objectClass eq\nindex uid eq\n'
                'access to attrs=userPassword by self write by anonymous auth by * none\n'
                'access to dn.base="ou=Secret,{suffix}" by users disclose by * none\n'
                'access to dn.children="ou=Secret,{suffix}" by * none\n' + ''.join(line + '\n' for line in self.extra_acls)
                + 'access to * by users read by * none\n').format(
                    w=self.workdir, suffix=SUFFIX, rootdn=ROOT_DN, rootpw=ROOT_PW, limit=self.size_limit, **self.certs)

    def start(self):
        os.makedirs(os.path.join(self.workdir, 'db'), exist_ok=True)
        self.certs = make_certificates(self.workdir, self.host, self.cert_kind)
        conf = os.path.join(self.workdir, 'slapd.conf')
        with open(conf, 'w', encoding='utf-8') as handle:
            handle.write(self._config())
        ldif, self.truth = generate_dataset(self.users, **self.dataset)
        with open(os.path.join(self.workdir, 'users.ldif'), 'w', encoding='utf-8') as handle:
            handle.write(ldif)
        subprocess.run(['slapadd', '-q', '-f', conf, '-l', os.path.join(self.workdir, 'users.ldif')], check=True, capture_output=True)
        self.port, self.ldaps_port = _free_port(self.host), _free_port(self.host)
        urls = 'ldap://%s:%d/ ldaps://%s:%d/' % (self.host, self.port, self.host, self.ldaps_port)
        self.process = subprocess.Popen(['slapd', '-f', conf, '-h', urls, '-d', '0'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((self.host, self.ldaps_port), 0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError('slapd did not start on %s' % urls)

    def kill(self):
        """Kill slapd at once (a server dying in the middle of a search)."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def describe(self):
        return {'host': self.host, 'port': self.port, 'ldaps_port': self.ldaps_port, 'base_dn': SUFFIX, 'bind_dn': BIND_DN,
                'ca_file': self.certs['ca'], 'containers': list(CONTAINERS), 'truth': self.truth}


def main(argv=None):
    parser = argparse.ArgumentParser(description='Serve a throwaway slapd until SIGTERM.')
    parser.add_argument('command', choices=['serve'])
    parser.add_argument('--workdir', required=True)
    parser.add_argument('--host', default='127.0.0.30')
    parser.add_argument('--users', type=int, default=100)
    parser.add_argument('--state-file', required=True)
    options = parser.parse_args(argv)
    server = Slapd(options.workdir, options.host, options.users).start()
    with open(options.state_file, 'w', encoding='utf-8') as handle:
        json.dump(dict(server.describe(), pid=os.getpid(), password_file=None), handle, indent=2)
    stopped = []
    signal.signal(signal.SIGTERM, lambda *args: stopped.append(1))
    while not stopped and server.process.poll() is None:
        time.sleep(0.2)
    server.stop()
    return 0


if __name__ == '__main__':
    sys.exit(main())
