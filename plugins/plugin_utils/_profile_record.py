# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turn facts recorded on a real Windows host into a simulated-node profile, with identifying values replaced.

PRIVATE to this collection (used by the ``node_profile`` filter and playbooks/record_node_profile.yml).

Replaced everywhere in the facts (every string, case-insensitively, longest first): the values given in
``replace`` (inventory name, address, connection user...), the connection user's domain and name, the
server and share name of the installation share, and every IPv4/IPv6 address (IPv4 to 198.18.100.0/24,
the benchmarking range; IPv6 to 2001:db8::/32 or fe80::/64, the documentation and link-local ranges); in firewall
rules a subnet keeps its mask, and the domain part of a SID (owner, local and remote users and machines) is replaced.
Program names, versions, Windows builds, feature states and error categories are kept: they are what
makes a recorded profile worth having.
"""

from __future__ import annotations

import ipaddress
import re

MODULES = ('win_server_facts', 'win_feature_facts')
_IPV4_RE = re.compile(r'(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])')
_IPV6_RE = re.compile(r'(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){1,7}(?::|[0-9A-Fa-f]{1,4})?(?::[0-9A-Fa-f]{1,4}){0,6}(?:%\d+)?(?![\w:])')
PLACEHOLDER_PASSWORD = 'Recorded-Profile-Change-Me'
# Dotted version numbers look like IPv4 addresses (6.2.0.121, "PowerShell 7.4.6.0-x64"): addresses are replaced only
# in the values of these keys and in error texts (under "errors"/"error_details"); names are replaced everywhere.
ADDRESS_KEYS = frozenset(('addresses', 'address', 'path', 'error', 'message', 'remote', 'description', 'forward', 'ssl_bindings',
                          'url_reservations'))
ERROR_KEYS = frozenset(('errors', 'error_details'))
# firewall rule conditions: subnets keep their mask; a domain SID (S-1-5-21-a-b-c-RID) names the site's domain: a-b-c replaced
SUBNET_KEYS = frozenset(('remote_addresses', 'local_addresses'))
SID_KEYS = frozenset(('owner', 'local_user', 'remote_user', 'remote_machine'))
_DOMAIN_SID_RE = re.compile(r'S-1-5-21-\d+-\d+-\d+', re.IGNORECASE)


class ProfileError(ValueError):
    """The recorded facts are not what the gather modules return."""


class _Replacer:
    def __init__(self, replace):
        self.words = {}
        self.addresses = {}
        for index, value in enumerate(replace):
            self.add(value, 'node%d' % (index + 1) if index else 'node')

    def add(self, value, replacement):
        value = str(value or '').strip()
        if len(value) >= 2 and value.lower() not in self.words:
            self.words[value.lower()] = replacement

    def _address(self, text):
        try:
            address = ipaddress.ip_address(text.split('%')[0])
        except ValueError:
            return text
        if address.is_loopback or address.is_unspecified:
            return text
        if text not in self.addresses:
            number = len(self.addresses) + 1
            if address.version == 4:
                self.addresses[text] = '198.18.100.%d' % (number % 254 + 1)
            elif address.is_link_local:
                self.addresses[text] = 'fe80::%x' % number
            else:
                self.addresses[text] = '2001:db8::%x' % number
        return self.addresses[text]

    def text(self, value, addresses=True):
        for word in sorted(self.words, key=len, reverse=True):
            value = re.sub(re.escape(word), self.words[word], value, flags=re.IGNORECASE)
        if not addresses:
            return value
        value = _IPV4_RE.sub(lambda m: self._address(m.group(0)), value)
        return _IPV6_RE.sub(lambda m: self._address(m.group(0)) if ':' in m.group(0) and len(m.group(0)) > 2 else m.group(0), value)

    def walk(self, value, key=None, in_errors=False):
        if isinstance(value, dict):
            return {name: self.walk(item, name, in_errors or name in ERROR_KEYS) for name, item in value.items()}
        if isinstance(value, list):
            return [self.walk(item, key, in_errors) for item in value]
        if isinstance(value, str) and key in SID_KEYS:
            return _DOMAIN_SID_RE.sub('S-1-5-21-1000-2000-3000', self.text(value, addresses=False))
        if isinstance(value, str) and key in SUBNET_KEYS:
            # a firewall rule's subnet keeps its mask or prefix (10.20.0.0/255.255.0.0): only the address part is replaced
            return '/'.join([self.text(part) for part in value.split('/', 1)[:1]] + value.split('/', 1)[1:])
        if isinstance(value, str):
            return self.text(value, addresses=in_errors or key in ADDRESS_KEYS)
        return value


def build(facts_by_module, name='recorded', replace=(), address='127.0.0.30'):
    """A simulated-node profile (tests/lab/winrm_sim.py format) from ``{module: facts}`` recorded on a real host."""
    if not isinstance(facts_by_module, dict) or not facts_by_module:
        raise ProfileError('expected a dict of module name to recorded facts, got %r' % type(facts_by_module).__name__)
    unknown = sorted(set(facts_by_module) - set(MODULES))
    if unknown:
        raise ProfileError('unknown gather module(s) %s (known: %s)' % (', '.join(unknown), ', '.join(MODULES)))
    for module, facts in facts_by_module.items():
        if not isinstance(facts, dict) or 'errors' not in facts:
            raise ProfileError('%s: not the facts of the gather module (no "errors" key); pass the task result\'s .facts' % module)
    replacer = _Replacer([value for value in replace if value])
    server = facts_by_module.get('win_server_facts') or {}
    user = str(server.get('user') or '')
    if '\\' in user:
        domain, account = user.split('\\', 1)
        replacer.add(account, 'safeq-install')
        replacer.add(domain, 'LAB')
    share = server.get('share') or {}
    parts = str(share.get('path') or '').strip('\\').split('\\')
    if len(parts) >= 2:
        replacer.add(parts[0], 'files.lab.test')
        replacer.add(parts[1], 'safeq-install')
    probes = {module: replacer.walk(facts) for module, facts in facts_by_module.items()}
    probes.update(win_port_probe={'live': True})
    return {'name': name, 'origin': 'recorded from a real host; identifying values replaced by safeq.preflight.node_profile',
            'address': address, 'port': 0, 'credentials': {'username': 'LAB\\safeq-install', 'password': PLACEHOLDER_PASSWORD},
            'faults': {}, 'probes': probes}
