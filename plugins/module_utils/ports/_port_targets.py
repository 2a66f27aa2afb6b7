# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""port_check options: the module's argument spec and the expansion of ``targets`` into single probes.

PRIVATE to this collection. ``ARGUMENT_SPEC`` is what AnsibleModule takes on a POSIX host (the action plugin reads the same
spec from DOCUMENTATION; a unit test holds the two equal). ``expand`` is used by the module, the action plugin and the
option rules (plugins/plugin_utils/_option_rules.py), so bad targets get the same messages, naming the target and the value;
the other options' value rules are in _option_rules only.
"""

from __future__ import annotations

import re

PROTOS = ('tcp', 'udp')
PROBES = {'tcp': ('none', 'tls', 'time'), 'udp': ('none', 'snmp', 'ssrp', 'time')}
EXPECTS = ('open', 'reachable', 'closed')
MAX_PROBES = 4096

TARGET_OPTIONS = {
    'host': {'type': 'str', 'required': True},
    'port': {'type': 'raw', 'required': True},
    'proto': {'type': 'str', 'default': 'tcp', 'choices': list(PROTOS)},
    'probe': {'type': 'str', 'default': 'none', 'choices': ['none', 'tls', 'snmp', 'ssrp', 'time']},
    'entry': {'type': 'str'},
    'expect': {'type': 'str', 'default': 'open', 'choices': list(EXPECTS)},
    'server_name': {'type': 'str'},
    'listener': {'type': 'bool', 'default': False},
    'resets': {'type': 'bool', 'default': False},
    'listener_missing': {'type': 'str'},
}

ARGUMENT_SPEC = {
    'targets': {'type': 'list', 'elements': 'dict', 'required': True, 'options': TARGET_OPTIONS},
    'timeout': {'type': 'float', 'default': 1.0},
    'retries': {'type': 'int', 'default': 1},
    'concurrency': {'type': 'int', 'default': 256},
    'deadline': {'type': 'float', 'default': 120.0},
    'snmp_community': {'type': 'str', 'default': 'public', 'no_log': True},
    'tls_min_days': {'type': 'int', 'default': 30},
    'source': {'type': 'str'},
    'return_results': {'type': 'str', 'default': 'all', 'choices': ['all', 'unanswered']},
}

_RANGE = re.compile(r'^\s*(\d+)\s*-\s*(\d+)\s*$', re.ASCII)


class TargetError(ValueError):
    """A target or option value that cannot be probed; the message names it."""


def _ports(value, where):
    """Expand ``port`` (an int, a digit string, a range ``a-b`` or a list of those) into a list of ints."""
    if isinstance(value, list):
        if not value:
            raise TargetError('%s.port: the list is empty' % where)
        result = []
        for item in value:
            result.extend(_ports(item, where))
        return result
    if isinstance(value, bool):
        raise TargetError('%s.port: %r is not a port number' % (where, value))
    if isinstance(value, int):
        low = high = value
    else:
        text = str(value).strip()
        match = _RANGE.match(text)
        if match:
            low, high = int(match.group(1)), int(match.group(2))
            if low > high:
                raise TargetError('%s.port: range %r is reversed (write %d-%d)' % (where, text, high, low))
        elif text.isascii() and text.isdigit():  # '²'.isdigit() is True, int('²') raises
            low = high = int(text)
        else:
            raise TargetError("%s.port: %r is neither a port number nor a range 'a-b'" % (where, value))
    for port in (low, high):
        if not 1 <= port <= 65535:
            raise TargetError('%s.port: %d is outside 1-65535' % (where, port))
    return list(range(low, high + 1))


def expand(targets, max_probes=MAX_PROBES):
    """Return one probe spec per host/port/proto; raise TargetError naming the first bad target."""
    if not targets:
        raise TargetError('targets: the list is empty; give at least one {host, port}')
    probes = []
    seen = set()
    for index, target in enumerate(targets):
        where = 'targets[%d]' % index
        host = (target.get('host') or '').strip()
        if not host:
            raise TargetError('%s.host: empty host name' % where)
        proto = target.get('proto') or 'tcp'
        if proto not in PROTOS:
            raise TargetError('%s.proto: %r is not one of %s' % (where, proto, ', '.join(PROTOS)))
        probe = target.get('probe') or 'none'
        if probe not in PROBES[proto]:
            raise TargetError('%s.probe: %r is not a %s probe (one of %s)' % (where, probe, proto, ', '.join(PROBES[proto])))
        expect = target.get('expect') or 'open'
        if expect not in EXPECTS:
            raise TargetError('%s.expect: %r is not one of %s' % (where, expect, ', '.join(EXPECTS)))
        server_name = target.get('server_name') or host
        flags = {}
        for name in ('listener', 'resets'):
            value = target.get(name, False)
            if value is None:
                value = False
            if not isinstance(value, bool):
                raise TargetError('%s.%s: %r is not a boolean (true or false)' % (where, name, value))
            flags[name] = value
        for port in _ports(target.get('port'), where):
            # A duplicate repeats every field that changes the probe or its finding; server_name (the TLS SNI and the
            # name the certificate is matched against) is one of them: one address may be checked under several names.
            key = (host.lower(), port, proto, probe, target.get('entry'), expect, server_name.lower(), flags['listener'], flags['resets'])
            if key in seen:
                continue
            seen.add(key)
            probes.append({'id': 'p%d' % len(probes), 'host': host, 'port': port, 'proto': proto, 'probe': probe,
                           'entry': target.get('entry'), 'expect': expect, 'server_name': server_name,
                           'listener_missing': None if flags['listener'] else target.get('listener_missing') or None, **flags})
            if len(probes) > max_probes:
                raise TargetError('targets: more than %d probes (host x port x proto) in one call; split the targets over several tasks'
                                  % max_probes)
    return probes
