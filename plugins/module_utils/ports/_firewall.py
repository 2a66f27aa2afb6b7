# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Windows Firewall facts of a node (win_server_facts ``firewall``) -> what they prove. Pure functions. PRIVATE.

Two uses:

- **Least-privilege evidence** (``block_evidence``): before installation a temporary listener runs in powershell.exe,
  for which no allow rule exists, so Windows Firewall's default inbound Block drops a probe and the port looks
  "not reachable". SafeQ's installer adds its own allow rules later, so that silence proves nothing lasting. What
  survives the installation: an enabled inbound **Block** rule covering the port in every profile in force (block
  rules win over allow rules), or the host firewall being off in every profile in force (the silence then came from a
  device between).
- **Advisory** (``advisory``): profile states and the inbound rules that cover each required port. It explains the
  network matrix's results; it never passes or fails a port row (warn at most: a Block rule on a port SafeQ needs, or
  local rules ignored by Group Policy, so the installer's own rules would not apply).

Facts the gather could not read (a part with an error, a rule whose filters were not found) are never evidence.
"""

from __future__ import annotations

import ipaddress

PROFILES = ('Domain', 'Private', 'Public')
_CATEGORY = {'DomainAuthenticated': 'Domain', 'Private': 'Private', 'Public': 'Public'}
_POLICY_KEY = {'Domain': 'DomainProfile', 'Private': 'PrivateProfile', 'Public': 'PublicProfile'}
_LOCAL_KEY = {'Domain': 'DomainProfile', 'Private': 'StandardProfile', 'Public': 'PublicProfile'}
_PROTOCOL = {'tcp': ('tcp', '6', 'any'), 'udp': ('udp', '17', 'any')}


def _names(text):
    return {part.strip() for part in str(text or '').replace(';', ',').split(',') if part.strip()}


def active_profiles(fw):
    """The profiles in force: from the network category of each connected adapter, else from ``active_profile``; None unknown."""
    if not isinstance(fw, dict):
        return None
    found = {_CATEGORY[item['network_category']] for item in fw.get('connections') or () if item.get('network_category') in _CATEGORY}
    if not found:
        found = _names(fw.get('active_profile')) & set(PROFILES)
    return sorted(found) or None


def _profile(fw, name):
    for item in (fw or {}).get('profiles') or ():
        if item.get('name') == name:
            return item
    return None


def enabled(fw, name):
    """True/False when the active store says so; None when unknown."""
    item = _profile(fw, name)
    return {'True': True, 'False': False}.get((item or {}).get('enabled'))


def local_rules_apply(fw, name):
    """False only when Group Policy sets AllowLocalFirewallRules False: then local rules (the installer's too) are ignored."""
    item = _profile(fw, name)
    if item is None:
        return None
    return item.get('allow_local_firewall_rules') != 'False'


def stealth_disabled(fw, name):
    """True when DisableStealthMode=1 applies to the profile (the policy value wins over the local one); None unknown."""
    stealth = (fw or {}).get('stealth')
    if not isinstance(stealth, dict):
        return None
    policy = (stealth.get('policy') or {}).get(_POLICY_KEY[name])
    if policy is None and name == 'Private':
        policy = (stealth.get('policy') or {}).get('StandardProfile')
    value = policy if policy is not None else (stealth.get('local') or {}).get(_LOCAL_KEY[name])
    return value == 1


def _port_covers(local_ports, port):
    for item in local_ports or ():
        text = str(item).strip()
        if text.lower() == 'any':
            return True
        if text.isascii() and text.isdigit() and int(text) == port:
            return True
        low, dash, high = text.partition('-')
        if dash and low.strip().isdigit() and high.strip().isdigit() and int(low) <= port <= int(high):
            return True
    return False  # keywords (RPC, RPCEPMap, IPHTTPSIn, PlayToDiscovery, ...) never cover a plain port


def _unscoped(value):
    return value in (None, '', 'Any', 'any', '*')


def remote_covers(remote_addresses, source):
    """Whether a rule's RemoteAddress list covers ``source`` (an IP address; None unknown): ``Any``, an address, a subnet
    (``a.b.c.d/nn`` or ``a.b.c.d/255.255.255.0``) or a range ``a-b``. Keywords (LocalSubnet, Intranet, DNS, ...) depend on
    the node's own configuration and never count."""
    items = [str(item).strip() for item in remote_addresses or ()]
    if [item.lower() for item in items] == ['any']:
        return True
    try:
        address = ipaddress.ip_address(str(source))
    except ValueError:
        return False
    for item in items:
        try:
            if '-' in item:
                low, high = (ipaddress.ip_address(part.strip()) for part in item.split('-', 1))
                if low.version == address.version and low <= address <= high:
                    return True
            elif address in ipaddress.ip_network(item, strict=False):
                return True
        except ValueError:
            continue
    return False


def covers(rule, proto, port, profiles):
    """Whether ``rule`` applies to every connection to PROTO/PORT in all ``profiles``, whatever the program (its remote
    addresses are matched per source by ``remote_covers``)."""
    if not rule.get('filters_found'):
        return False
    if str(rule.get('protocol') or '').lower() not in _PROTOCOL[proto] or not _port_covers(rule.get('local_ports'), port):
        return False
    rule_profiles = _names(rule.get('profiles'))
    if 'Any' not in rule_profiles and not set(profiles) <= rule_profiles:
        return False
    return _unscoped(rule.get('program')) and _unscoped(rule.get('service'))


def _applies(fw, rule, profiles):
    return rule.get('source') == 'GroupPolicy' or all(local_rules_apply(fw, name) for name in profiles)


def _name(rule):
    return '"%s" (%s, %s)' % (rule.get('display_name') or rule.get('id'), rule.get('id'), rule.get('source') or 'unknown source')


def block_candidates(fw, proto, port):
    """What the node's firewall facts can prove for a least-privilege PROTO/PORT, before the source is known (small enough to
    travel with each planned flow): ``{'kind': 'firewall-off' | 'rules' | None, 'sentence', 'rules': [{'name', 'remote_addresses'}]}``.
    ``rules``: enabled inbound Block rules covering the port for any program in every profile in force, firewall on there,
    and applied (Group Policy, or local rules allowed). ``firewall-off``: off in every profile in force."""
    if not isinstance(fw, dict):
        return {'kind': None, 'rules': [], 'sentence': 'no Windows Firewall facts from the node (server_check did not run or could not read them)'}
    profiles = active_profiles(fw)
    if not profiles or (fw.get('errors') or {}).get('profiles'):
        return {'kind': None, 'rules': [], 'sentence': 'the Windows Firewall profiles in force could not be read from the node'}
    states = [enabled(fw, name) for name in profiles]
    if all(state is False for state in states):
        return {'kind': 'firewall-off', 'rules': [], 'sentence': 'Windows Firewall is off in the profile(s) in force (%s)' % ', '.join(profiles)}
    if not all(state is True for state in states):
        return {'kind': None, 'rules': [], 'sentence': 'Windows Firewall is on in some of the profiles in force (%s) and off or unknown in '
                'others' % ', '.join(profiles)}
    if fw.get('rules') is None:
        return {'kind': None, 'rules': [], 'sentence': 'the inbound Windows Firewall rules could not be read from the node'}
    rules = [{'name': _name(rule), 'remote_addresses': list(rule.get('remote_addresses') or ())} for rule in fw['rules']
             if rule.get('action') == 'Block' and covers(rule, proto, port, profiles) and _applies(fw, rule, profiles)]
    return {'kind': 'rules' if rules else None, 'rules': rules,
            'sentence': 'no enabled inbound Block rule covers %s %d for every program in %s' % (proto.upper(), port, ', '.join(profiles))}


def evidence_for(candidates, source):
    """``(kind, sentence)`` for one flow from ``source`` (an address, or None): ``block-rule``, ``firewall-off`` or None."""
    candidates = candidates or {}
    if candidates.get('kind') == 'firewall-off':
        return 'firewall-off', candidates['sentence']
    for rule in candidates.get('rules') or ():
        if remote_covers(rule.get('remote_addresses'), source):
            return 'block-rule', 'the inbound Block rule %s covers this port from %s' % (
                rule['name'], source if source and rule.get('remote_addresses') != ['Any'] else 'any address')
    if candidates.get('rules'):
        return None, ('the inbound Block rule(s) %s cover the port only from %s, which does not include the probing host (%s)'
                      % (', '.join(r['name'] for r in candidates['rules']), ', '.join(a for r in candidates['rules'] for a in r['remote_addresses']),
                         source or 'its address is unknown'))
    return None, candidates.get('sentence') or 'no Windows Firewall facts from the node'


def block_rule(proto, port, source=None):
    """The PowerShell that adds the Block rule the least-privilege evidence needs."""
    remote = ' -RemoteAddress %s' % source if source else ''
    return ('New-NetFirewallRule -DisplayName "SafeQ block %s %d" -Direction Inbound -Protocol %s -LocalPort %d%s -Action Block -Profile Any'
            % (proto.upper(), port, proto.upper(), port, remote))


def _profile_sentence(fw, name):
    item = _profile(fw, name) or {}
    stealth = stealth_disabled(fw, name)
    return '%s: %s, inbound default %s, stealth mode %s%s' % (
        name, {'True': 'on', 'False': 'off'}.get(item.get('enabled'), 'unknown'), item.get('default_inbound_action') or 'unknown',
        {True: 'off', False: 'on', None: 'unknown'}[stealth], '' if local_rules_apply(fw, name) is not False else ', local rules ignored (GPO)')


def advisory(fw, ports):
    """``[(proto, port, reason, sentence)]`` warnings for the required inbound ``ports`` ((proto, port) pairs): a Block rule that
    covers one (it will block SafeQ too: block rules win over allow rules), or local rules ignored by Group Policy in a profile
    in force with no Group Policy allow rule for the port (the installer's own rules will not apply). Nothing else: the
    network matrix decides reachability; this only explains it."""
    profiles = active_profiles(fw)
    if not isinstance(fw, dict) or not profiles or fw.get('rules') is None:
        return []
    states = '; '.join(_profile_sentence(fw, name) for name in profiles)
    result = []
    for proto, port in ports:
        if not all(enabled(fw, name) for name in profiles):
            continue
        blocks = [rule for rule in fw['rules'] if rule.get('action') == 'Block' and covers(rule, proto, port, profiles)]
        if blocks:
            result.append((proto, port, 'firewall-block-rule', 'Windows Firewall (%s): the inbound Block rule %s covers %s %d, which '
                           'SafeQ needs; block rules win over allow rules, so SafeQ\'s own rules will not open it'
                           % (states, _name(blocks[0]), proto.upper(), port)))
            continue
        ignored = [name for name in profiles if local_rules_apply(fw, name) is False]
        gpo_allow = [rule for rule in fw['rules'] if rule.get('action') == 'Allow' and rule.get('source') == 'GroupPolicy'
                     and rule.get('filters_found') and str(rule.get('protocol') or '').lower() in _PROTOCOL[proto]
                     and _port_covers(rule.get('local_ports'), port)]
        if ignored and not gpo_allow:
            result.append((proto, port, 'firewall-local-rules-ignored', 'Windows Firewall (%s): Group Policy ignores local rules in %s '
                           'and no Group Policy allow rule covers %s %d, so the rules SafeQ\'s installer adds will not apply'
                           % (states, ', '.join(ignored), proto.upper(), port)))
    return result
