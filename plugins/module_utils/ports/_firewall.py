# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Windows Firewall facts of a node (win_server_facts ``firewall``) -> what they prove. Pure functions. PRIVATE.

Two uses:

- **Least-privilege evidence** (``block_evidence``): before installation a temporary listener runs in powershell.exe,
  for which no allow rule exists, so Windows Firewall's default inbound Block drops a probe and the port looks
  "not reachable". SafeQ's installer adds its own allow rules later, so that silence proves nothing lasting. What
  survives the installation: an enabled inbound **Block** rule covering the port in every profile in force for any
  remote address, program, interface and user, with no allow rule overriding block rules on the port (block rules
  win over the other allow rules), or the host firewall being off in every profile in force (the silence then came
  from a device between). A rule limited to some remote addresses is no evidence: the probing host is one host of its
  network.
- **Advisory** (``advisory``): profile states and the inbound rules that cover each required port. It explains the
  network matrix's results; it never passes or fails a port row (warn at most: a Block rule on a port SafeQ needs, or
  local rules ignored by Group Policy, so the installer's own rules would not apply).

Facts the gather could not read (a part with an error, a rule whose filters were not found) are never evidence.
"""

from __future__ import annotations

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


def default_allow(fw, name):
    """True when the profile's DefaultInboundAction is Allow: a connection no rule matches is let in (block rules still win)."""
    return ((_profile(fw, name) or {}).get('default_inbound_action')) == 'Allow'


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


def _any_list(value):
    return isinstance(value, list) and [str(item).strip().lower() for item in value] == ['any']


# The conditions besides protocol, local port, profile, program and service that can limit a rule (each read by the gather):
# a rule limited by any of them blocks only part of the traffic to the port, so it is no evidence. A condition that is
# missing (None: its filter class could not be read, or an older gather) limits the rule as far as Python knows.
_SCOPES = (
    ('remote_addresses', 'remote addresses', _any_list),
    ('local_addresses', 'local addresses', _any_list),
    ('remote_ports', 'remote ports', _any_list),
    ('interface_types', 'interface types', lambda value: str(value).strip().lower() == 'any' if value is not None else False),
    ('interface_aliases', 'interfaces', _any_list),
    ('package', 'app package (AppContainer)', lambda value: value == ''),
    ('owner', 'owner', lambda value: value == ''),
    ('local_user', 'local users', lambda value: value in ('', 'Any')),
    ('remote_user', 'remote users', lambda value: value in ('', 'Any')),
    ('remote_machine', 'remote machines', lambda value: value in ('', 'Any')),
    # "allow if secure": IPsec authentication (Required, NoEncap) or encryption (Required, Dynamic) lets in only part of the
    # traffic (connections that negotiated IPsec)
    ('authentication', 'IPsec authentication (allow if secure)', lambda value: value == 'NotRequired'),
    ('encryption', 'IPsec encryption (allow if secure)', lambda value: value == 'NotRequired'),
)
# filter classes read in their own try/catch besides the rules themselves: one that failed leaves every rule's condition unknown
FILTER_ERRORS = ('interface_type_filter', 'interface_filter', 'security_filter')
# The advisory's reasons (``advisory``): they explain a port row, the probes decide it (the report merges them so:
# ``_report._merge_row_findings``).
BLOCK_RULE, LOCAL_RULES_IGNORED, NO_ALLOW_RULE = 'firewall-block-rule', 'firewall-local-rules-ignored', 'firewall-no-allow-rule'
ADVISORY_REASONS = frozenset((BLOCK_RULE, LOCAL_RULES_IGNORED, NO_ALLOW_RULE))


def limits(rule):
    """The conditions that limit ``rule`` to part of the traffic (remote or local address, remote port, interface type or
    alias, app package, owner, local or remote user, remote machine, IPsec authentication or encryption required), or that
    could not be read: empty when none."""
    return [label for key, label, unscoped in _SCOPES if not unscoped(rule.get(key))]


def _matches_port(rule, proto, port, profiles):
    """The rule's protocol and local port cover PROTO/PORT, and it applies in at least one of ``profiles``."""
    if not rule.get('filters_found'):
        return False
    if str(rule.get('protocol') or '').lower() not in _PROTOCOL[proto] or not _port_covers(rule.get('local_ports'), port):
        return False
    rule_profiles = _names(rule.get('profiles'))
    return 'Any' in rule_profiles or bool(set(profiles) & rule_profiles)


def _for_any_program(rule, proto, port, profiles):
    """The rule covers PROTO/PORT for every program and service in all ``profiles`` (its other conditions aside)."""
    rule_profiles = _names(rule.get('profiles'))
    return (_matches_port(rule, proto, port, profiles) and ('Any' in rule_profiles or set(profiles) <= rule_profiles)
            and _unscoped(rule.get('program')) and _unscoped(rule.get('service')))


def covers(rule, proto, port, profiles):
    """Whether ``rule`` applies to every connection to PROTO/PORT in all ``profiles``, whatever the program, service, source,
    interface or user: every condition of ``limits`` unscoped (``Any`` or empty)."""
    return _for_any_program(rule, proto, port, profiles) and not limits(rule)


def _applies(fw, rule, profiles):
    return rule.get('source') == 'GroupPolicy' or all(local_rules_apply(fw, name) for name in profiles)


def _name(rule):
    return '"%s" (%s, %s)' % (rule.get('display_name') or rule.get('id'), rule.get('id'), rule.get('source') or 'unknown source')


def _overriding(fw, proto, port, profiles):
    """Enabled inbound allow rules with OverrideBlockRules (authenticated IPsec bypass, MS-FASP FW_RULE_ACTION) that may cover the
    port in a profile in force: they let a connection through whatever Block rule covers it. None when that cannot be known
    (the security filters unread, or a rule without the fact); a rule whose filters were not found counts as covering."""
    if (fw.get('errors') or {}).get('security_filter'):
        return None
    found = []
    for rule in fw['rules']:
        if rule.get('action') != 'Allow':
            continue
        if rule.get('override_block_rules') is None:
            return None
        if rule['override_block_rules'] and (not rule.get('filters_found') or _matches_port(rule, proto, port, profiles)):
            found.append(rule)
    return found


def block_candidates(fw, proto, port):
    """What the node's firewall facts prove for a least-privilege PROTO/PORT: ``{'kind': 'firewall-off' | 'rules' | None,
    'sentence', 'rules': [names], 'stealth': True | False | None}``. ``rules``: enabled inbound Block rules covering the port
    for every program, service, remote and local address, remote port, interface and user (``covers``) in every profile in
    force, firewall on there, applied (Group Policy, or local rules allowed), and no allow rule on the port overriding block
    rules. A rule limited to some remote addresses is no evidence: the vantage point is one host of its network, and the
    others would stay allowed. ``firewall-off``: off in every profile in force. ``stealth``: True when the firewall is on
    in every profile in force with stealth mode not disabled (the node itself then never resets a port), None unknown."""
    if not isinstance(fw, dict):
        return {'kind': None, 'rules': [], 'stealth': None,
                'sentence': 'no Windows Firewall facts from the node (server_check did not run or could not read them)'}
    profiles = active_profiles(fw)
    if not profiles or (fw.get('errors') or {}).get('profiles'):
        return {'kind': None, 'rules': [], 'stealth': None, 'sentence': 'the Windows Firewall profiles in force could not be read from the node'}
    states = [enabled(fw, name) for name in profiles]
    stealths = [stealth_disabled(fw, name) for name in profiles]
    stealth = (True if all(state is True for state in states) and all(item is False for item in stealths)
               else None if None in states or None in stealths else False)
    if all(state is False for state in states):
        return {'kind': 'firewall-off', 'rules': [], 'stealth': False,
                'sentence': 'Windows Firewall is off in the profile(s) in force (%s)' % ', '.join(profiles)}
    if not all(state is True for state in states):
        return {'kind': None, 'rules': [], 'stealth': stealth, 'sentence': 'Windows Firewall is on in some of the profiles in force (%s) '
                'and off or unknown in others' % ', '.join(profiles)}
    if fw.get('rules') is None:
        return {'kind': None, 'rules': [], 'stealth': stealth, 'sentence': 'the inbound Windows Firewall rules could not be read from the node'}
    unread = [name for name in FILTER_ERRORS if (fw.get('errors') or {}).get(name)]
    if unread:
        return {'kind': None, 'rules': [], 'stealth': stealth, 'sentence': 'the rules\' %s could not be read from the node, so a Block '
                'rule may be limited by them' % ', '.join(name.replace('_', ' ') + 's' for name in unread)}
    overriding = _overriding(fw, proto, port, profiles)
    if overriding is None or overriding:
        return {'kind': None, 'rules': [], 'stealth': stealth, 'sentence': (
            'whether an allow rule overrides block rules on %s %d could not be read from the node' % (proto.upper(), port)
            if overriding is None else 'the allow rule %s overrides block rules (authenticated bypass) on %s %d, so no Block rule '
            'holds there' % (', '.join(_name(rule) for rule in overriding), proto.upper(), port))}
    applied = [rule for rule in fw['rules'] if rule.get('action') == 'Block' and _applies(fw, rule, profiles)]
    rules = [_name(rule) for rule in applied if covers(rule, proto, port, profiles)]
    if rules:
        return {'kind': 'rules', 'rules': rules, 'stealth': stealth, 'sentence': 'the inbound Block rule %s covers %s %d from any address'
                % (rules[0], proto.upper(), port)}
    partial = ['%s (limited by its %s)' % (_name(rule), ', '.join(limits(rule))) for rule in applied
               if _for_any_program(rule, proto, port, profiles) and limits(rule)]
    if partial:
        return {'kind': None, 'rules': [], 'stealth': stealth, 'sentence': 'the inbound Block rule(s) %s cover %s %d only for part of '
                'the traffic: the probing host is one host of its network, and the rest stays allowed after installation, so it is '
                'no evidence' % ('; '.join(partial), proto.upper(), port)}
    return {'kind': None, 'rules': [], 'stealth': stealth,
            'sentence': 'no enabled inbound Block rule covers %s %d for every program in %s' % (proto.upper(), port, ', '.join(profiles))}


def evidence_for(candidates):
    """``(kind, sentence)`` for one least-privilege flow: ``block-rule``, ``firewall-off`` or None (the source address plays no
    part: only a rule for any remote address is evidence)."""
    candidates = candidates or {}
    if candidates.get('kind') == 'firewall-off':
        return 'firewall-off', candidates['sentence']
    if candidates.get('kind') == 'rules' and candidates.get('rules'):
        return 'block-rule', candidates['sentence']
    return None, candidates.get('sentence') or 'no Windows Firewall facts from the node'


def block_rule(proto, port):
    """The PowerShell that adds the Block rule the least-privilege evidence needs: for any remote address (a rule for some
    addresses blocks only them, and is no evidence for a whole network)."""
    return ('New-NetFirewallRule -DisplayName "SafeQ block %s %d" -Direction Inbound -Protocol %s -LocalPort %d -Action Block -Profile Any'
            % (proto.upper(), port, proto.upper(), port))


def _profile_sentence(fw, name):
    item = _profile(fw, name) or {}
    stealth = stealth_disabled(fw, name)
    return '%s: %s, inbound default %s, stealth mode %s%s' % (
        name, {'True': 'on', 'False': 'off'}.get(item.get('enabled'), 'unknown'), item.get('default_inbound_action') or 'unknown',
        {True: 'off', False: 'on', None: 'unknown'}[stealth], '' if local_rules_apply(fw, name) is not False else ', local rules ignored (GPO)')


def _rule_enabled(rule):
    """The gather returns enabled rules only; a rule that says otherwise (a recorded or hand-made profile) never counts."""
    return str(rule.get('enabled', 'True')) == 'True'


def _scope_of(rule):
    """What limits an allow rule to part of SafeQ's traffic: its program or service (SafeQ's executables are not known before
    installation, and a rule for another program does not let SafeQ's listener through) and every condition of ``limits``."""
    found = ['program %s' % rule.get('program') for dummy in (1,) if not _unscoped(rule.get('program'))]
    found += ['service %s' % rule.get('service') for dummy in (1,) if not _unscoped(rule.get('service'))]
    return found + limits(rule)


def _in_profile(rule, proto, port, name):
    return _rule_enabled(rule) and _matches_port(rule, proto, port, [name])


def coverage(fw, ports):
    """Which enabled inbound allow rules cover each required inbound PROTO/PORT (``ports``: (proto, port) pairs) in each profile
    in force: ``[{'proto', 'port', 'profiles': [{'name', 'firewall': 'on' | 'off' | 'unknown', 'state', 'allow': [names],
    'limited': [names with what limits them], 'block': [names], 'ignored': [names]}]}]``; [] when the facts are missing or the
    rules unread. ``state`` per profile: ``firewall-off``; ``blocked`` (an applied Block rule matches the port, whatever its
    other conditions: block rules win over allow rules); ``allowed`` (an applied allow rule for any program, service, address,
    port, interface and user); ``not-allowed`` (none: rules limited to a program, a service, some addresses, interfaces or
    users are listed in ``limited`` and do not count, local rules ignored by Group Policy in ``ignored``); ``unknown`` (the
    profile's state or a filter class of the rules could not be read). It explains the matrix; it never proves a flow."""
    profiles = active_profiles(fw)
    if not isinstance(fw, dict) or not profiles or fw.get('rules') is None:
        return []
    unread = any((fw.get('errors') or {}).get(name) for name in FILTER_ERRORS)
    result = []
    for proto, port in ports:
        items = []
        for name in profiles:
            state = enabled(fw, name)
            rules = [rule for rule in fw['rules'] if _in_profile(rule, proto, port, name)]
            applied = [rule for rule in rules if rule.get('source') == 'GroupPolicy' or local_rules_apply(fw, name) is not False]
            blocks = [rule for rule in applied if rule.get('action') == 'Block']
            block = [_name(rule) for rule in blocks]
            allows = [rule for rule in applied if rule.get('action') == 'Allow']
            allow = [_name(rule) for rule in allows if not _scope_of(rule)]
            limited = ['%s (limited to its %s)' % (_name(rule), ', '.join(_scope_of(rule))) for rule in allows if _scope_of(rule)]
            ignored = [_name(rule) for rule in rules if rule not in applied and rule.get('action') == 'Allow']
            if state is False:
                verdict = 'firewall-off'
            elif state is None:
                verdict = 'unknown'
            elif block:
                verdict = 'blocked'
            elif allow or default_allow(fw, name):
                verdict = 'allowed'
            else:
                verdict = 'unknown' if unread else 'not-allowed'
            items.append({'name': name, 'firewall': {True: 'on', False: 'off', None: 'unknown'}[state], 'state': verdict,
                          'allow': allow, 'limited': limited, 'block': block, 'ignored': ignored,
                          'default_allow': bool(default_allow(fw, name)), 'block_all': any(not _scope_of(rule) for rule in blocks)})
        result.append({'proto': proto, 'port': port, 'profiles': items})
    return result


def coverage_sentence(item):
    """One line per port: per profile in force, the covering allow rules, or that none covers it (and why)."""
    parts = []
    for profile in item['profiles']:
        allowing = profile['allow'] + (['default inbound action Allow'] if profile.get('default_allow') else [])
        text = {'firewall-off': 'firewall off', 'unknown': 'unknown', 'blocked': 'blocked by %s' % ', '.join(profile['block']),
                'allowed': 'allowed by %s' % ', '.join(allowing),
                'not-allowed': 'no enabled inbound allow rule covers it'}[profile['state']]
        if profile['state'] != 'allowed' and profile['limited']:
            text += ' (not counted: %s)' % '; '.join(profile['limited'])
        if profile['ignored']:
            text += ' (local rules ignored by Group Policy: %s)' % ', '.join(profile['ignored'])
        parts.append('%s: %s' % (profile['name'], text))
    return '%s %d: %s' % (item['proto'].upper(), item['port'], '; '.join(parts))


def advisory(fw, ports):
    """``[(proto, port, reason, sentence)]`` warnings for the required inbound ``ports`` ((proto, port) pairs): a Block rule that
    covers one (it will block SafeQ too: block rules win over allow rules), or local rules ignored by Group Policy in a profile
    in force with no Group Policy allow rule for the port (the installer's own rules will not apply), or no enabled inbound
    allow rule covering the port for any program and source in a profile in force where the firewall is on (``coverage``:
    after installation it stays blocked unless a rule is added). Nothing else: the network matrix decides reachability;
    this only explains it."""
    profiles = active_profiles(fw)
    if not isinstance(fw, dict) or not profiles or fw.get('rules') is None:
        return []
    states = '; '.join(_profile_sentence(fw, name) for name in profiles)
    result = []
    for proto, port in ports:
        item = coverage(fw, [(proto, port)])[0]
        blocked = [profile for profile in item['profiles'] if profile['state'] == 'blocked']
        if blocked:
            # any Block rule, even one limited to some programs, sources, interfaces or users, stands in the way of part of
            # SafeQ's traffic; every profile in force where one applies is named
            result.append((proto, port, BLOCK_RULE, 'Windows Firewall (%s): the inbound Block rule %s covers %s %d in %s, '
                           'which SafeQ needs; block rules win over allow rules, so SafeQ\'s own rules will not open it'
                           % (states, ', '.join(sorted({name for profile in blocked for name in profile['block']})), proto.upper(), port,
                              ', '.join(profile['name'] for profile in blocked))))
        ignored = [name for name in profiles if enabled(fw, name) and local_rules_apply(fw, name) is False]
        gpo_allow = [rule for rule in fw['rules'] if rule.get('action') == 'Allow' and rule.get('source') == 'GroupPolicy'
                     and _rule_enabled(rule) and rule.get('filters_found') and not _scope_of(rule)
                     and str(rule.get('protocol') or '').lower() in _PROTOCOL[proto] and _port_covers(rule.get('local_ports'), port)]
        if ignored and not gpo_allow and not blocked:
            result.append((proto, port, LOCAL_RULES_IGNORED, 'Windows Firewall (%s): Group Policy ignores local rules in %s '
                           'and no Group Policy allow rule covers %s %d, so the rules SafeQ\'s installer adds will not apply'
                           % (states, ', '.join(ignored), proto.upper(), port)))
            continue
        result += _no_allow_rule(item, proto, port, states)
    return result


def _no_allow_rule(item, proto, port, states):
    """The ``firewall-no-allow-rule`` warning of PROTO/PORT (``item``: its ``coverage``) naming every profile in force with the
    firewall on and no covering allow rule: ``not-allowed``, or ``blocked`` only by Block rules limited to part of the traffic
    (a narrow Block rule does not stand for the allow rule the rest of SafeQ's traffic needs)."""
    missing = [profile['name'] for profile in item['profiles'] if profile['state'] == 'not-allowed'
               or (profile['state'] == 'blocked' and not profile['allow'] and not profile['block_all'] and not profile['default_allow'])]
    if not missing:
        return []
    return [(proto, port, NO_ALLOW_RULE, 'Windows Firewall (%s): no enabled inbound allow rule covers %s %d for any program '
             'and source in %s, so after installation the port stays blocked there unless an allow rule is added (%s)'
             % (states, proto.upper(), port, ', '.join(missing), coverage_sentence(item)))]
