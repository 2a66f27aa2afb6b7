# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A throwaway Samba AD DC (real Active Directory protocol) on loopback, for LDAP tests.

Provisioned per test session (realm LAB.TEST) and bound to lo only; the dns forwarder that
provision copies from /etc/resolv.conf is removed so nothing is forwarded off the machine.
It binds the fixed AD ports (53, 88, 389, 636, 3268, ...) on 127.0.0.1: one at a time.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time

ADMIN_PASSWORD = 'Adm1n-Secret-lab'
REALM, DOMAIN = 'LAB.TEST', 'LAB'
BASE_DN = 'DC=lab,DC=test'


class SambaDC:
    """samba -i in ``workdir``; LDAPS on 127.0.0.1:636 with the CA in ``ca_file``."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.target = os.path.join(workdir, 'dc')
        self.process = None
        self.ca_file = os.path.join(self.target, 'private', 'tls', 'ca.pem')
        self.conf = os.path.join(self.target, 'etc', 'smb.conf')

    def start(self):
        if shutil.which('samba-tool') is None or shutil.which('samba') is None:
            raise RuntimeError('samba and samba-ad-dc are required: make system-deps installs them')
        subprocess.run(['samba-tool', 'domain', 'provision', '--use-rfc2307', '--realm=' + REALM, '--domain=' + DOMAIN, '--server-role=dc',
                        '--dns-backend=SAMBA_INTERNAL', '--adminpass=' + ADMIN_PASSWORD, '--host-name=dc1', '--host-ip=127.0.0.1',
                        '--targetdir=' + self.target, '--option=interfaces=lo', '--option=bind interfaces only=yes',
                        '--option=disable netbios=yes', '--option=server services=-dnsupdate -nbt -wrepl'],
                       check=True, capture_output=True, timeout=300)
        with open(self.conf, encoding='utf-8') as handle:
            text = handle.read()
        text = re.sub(r'^\s*dns forwarder\s*=.*$', '', text, flags=re.MULTILINE)
        extra = ('\tlog file = {w}/log.samba\n\tpid directory = {w}/pid\n\tncalrpc dir = {w}/ncalrpc\n\twinbindd socket directory = {w}/winbindd\n'
                 '\tload printers = no\n\tprinting = bsd\n\tprintcap name = /dev/null\n\tdisable spoolss = yes\n').format(w=self.workdir)
        text = text.replace('[global]\n', '[global]\n' + extra, 1)
        with open(self.conf, 'w', encoding='utf-8') as handle:
            handle.write(text)
        os.makedirs(os.path.join(self.target, 'cache'), exist_ok=True)
        self.process = subprocess.Popen(['samba', '-i', '-s', self.conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(('127.0.0.1', 636), 0.5):
                    time.sleep(1.0)
                    return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError('samba did not start')

    def add_user(self, name, **attributes):
        args = ['samba-tool', 'user', 'create', name, 'Us3r-Secret-' + name, '-s', self.conf]
        for key in ('given_name', 'surname', 'mail_address', 'department'):
            if attributes.get(key):
                args.append('--%s=%s' % (key.replace('_', '-'), attributes[key]))
        subprocess.run(args, check=True, capture_output=True, timeout=120)

    def add_ou(self, dn):
        self.samba_tool('ou', 'create', dn)

    def add_user_in(self, name, ou_dn, **attributes):
        """A user in ``ou_dn`` (``samba-tool user create --userou``, relative to the domain); the password is Us3r-Secret-NAME."""
        relative = ou_dn[:-len(',' + BASE_DN)] if ou_dn.lower().endswith(',' + BASE_DN.lower()) else ou_dn
        args = ['user', 'create', name, 'Us3r-Secret-' + name, '--userou=' + relative]
        for key in ('given_name', 'surname', 'mail_address', 'department'):
            if attributes.get(key):
                args.append('--%s=%s' % (key.replace('_', '-'), attributes[key]))
        self.samba_tool(*args)

    def set_acl(self, dn, sddl):
        """Add the ACEs of ``sddl`` (e.g. '(D;CI;LCRP;;;S-1-5-21-...)') to the DACL of ``dn`` (samba-tool dsacl set)."""
        self.samba_tool('dsacl', 'set', '--objectdn=' + dn, '--sddl=' + sddl)

    def samba_tool(self, *args):
        """Run ``samba-tool ARGS`` against this DC's database (user disable, domain passwordsettings, ...)."""
        subprocess.run(['samba-tool'] + list(args) + ['-s', self.conf], check=True, capture_output=True, timeout=120)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
