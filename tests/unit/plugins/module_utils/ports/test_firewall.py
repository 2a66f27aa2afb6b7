# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Windows Firewall facts: the profiles in force, stealth mode, and what the rules prove (evidence) or explain (advisory)."""

from __future__ import annotations

import copy
import os

import pytest
import yaml

from ansible_collections.safeq.preflight.plugins.module_utils.ports import _firewall
from tests.lab import firewall_rules

HERE = os.path.dirname(__file__)
REPO = os.path.abspath(os.path.join(HERE, '..', '..', '..', '..', '..'))


def _profile_fw(name):
    with open(os.path.join(REPO, 'tests', 'lab', name), encoding='utf-8') as handle:
        return yaml.safe_load(handle)['probes']['win_server_facts']['firewall']


_rule = firewall_rules.rule


def _fw(rule_list=(), **change):
    fw = {'profiles': [{'name': n, 'enabled': 'True', 'default_inbound_action': 'Block', 'allow_local_firewall_rules': 'True'}
                       for n in ('Domain', 'Private', 'Public')],
          'active_profile': 'Domain', 'connections': [{'interface_alias': 'e', 'interface_index': 1, 'network_category': 'DomainAuthenticated'}],
          'stealth': {'policy': dict.fromkeys(('DomainProfile', 'PrivateProfile', 'PublicProfile', 'StandardProfile')),
                      'local': dict.fromkeys(('DomainProfile', 'StandardProfile', 'PublicProfile'))},
          'rules': list(rule_list), 'errors': {}}
    fw.update(change)
    return fw


def test_the_profiles_in_force_come_from_the_adapters_network_categories():
    assert _firewall.active_profiles(_fw()) == ['Domain']
    two = _fw(connections=[{'network_category': 'Private'}, {'network_category': 'Public'}])
    assert _firewall.active_profiles(two) == ['Private', 'Public']
    assert _firewall.active_profiles(_fw(connections=[], active_profile='Domain, Public')) == ['Domain', 'Public']
    assert _firewall.active_profiles(_fw(connections=None, active_profile=None)) is None
    assert _firewall.active_profiles(None) is None


@pytest.mark.parametrize('policy, local, profile, disabled', [
    ({}, {}, 'Domain', False),  # default: stealth mode on
    ({}, {'DomainProfile': 1}, 'Domain', True),  # local value
    ({'DomainProfile': 0}, {'DomainProfile': 1}, 'Domain', False),  # the policy value wins
    ({}, {'StandardProfile': 1}, 'Private', True),  # "Standard" is the Private profile locally
    ({'StandardProfile': 1}, {}, 'Private', True),
    ({'PrivateProfile': 0, 'StandardProfile': 1}, {}, 'Private', False),
])
def test_stealth_mode_reads_the_policy_value_first_then_the_local_one(policy, local, profile, disabled):
    fw = _fw()
    fw['stealth']['policy'].update(policy)
    fw['stealth']['local'].update(local)
    assert _firewall.stealth_disabled(fw, profile) is disabled
    assert _firewall.stealth_disabled(_fw(stealth=None), profile) is None  # unreadable: unknown, never "off"


def test_block_candidates_need_the_firewall_on_and_an_applied_rule_for_every_program():
    assert _firewall.block_candidates(_fw([_rule()]), 'tcp', 6020)['kind'] == 'rules'
    assert _firewall.block_candidates(_fw([_rule()]), 'udp', 6020)['kind'] is None
    assert _firewall.block_candidates(_fw([_rule(local_ports=['6000-6100'], protocol='Any')]), 'tcp', 6020)['kind'] == 'rules'
    assert _firewall.block_candidates(_fw([_rule(service='MSSQLSERVER')]), 'tcp', 6020)['kind'] is None
    assert _firewall.block_candidates(_fw(rules=None), 'tcp', 6020)['kind'] is None  # rules unreadable
    ignored = _fw([_rule()])
    ignored['profiles'][0]['allow_local_firewall_rules'] = 'False'
    assert _firewall.block_candidates(ignored, 'tcp', 6020)['kind'] is None  # a local rule Group Policy ignores
    off = _fw()
    off['profiles'][0]['enabled'] = 'False'
    assert _firewall.block_candidates(off, 'tcp', 6020)['kind'] == 'firewall-off'
    errored = _fw([_rule()], errors={'profiles': {'message': 'x'}})
    assert _firewall.block_candidates(errored, 'tcp', 6020)['kind'] is None


def test_the_advisory_warns_only_where_a_rule_will_stand_in_safeqs_way():
    fw = _fw([_rule(), _rule(id='a', action='Allow', local_ports=['80'])])
    warnings = _firewall.advisory(fw, [('tcp', 6020), ('tcp', 80), ('tcp', 443)])
    # TCP 80 has an allow rule for any program and source; TCP 443 none (it stays blocked after installation unless one is added)
    assert [(p, r) for dummy, p, r, dummy2 in warnings] == [(6020, 'firewall-block-rule'), (443, 'firewall-no-allow-rule')]
    assert 'Domain: on, inbound default Block, stealth mode on' in warnings[0][3]
    assert 'TCP 443: Domain: no enabled inbound allow rule covers it' in warnings[1][3]
    gpo = _fw([_rule(id='g', action='Allow', source='GroupPolicy', local_ports=['80'])])
    gpo['profiles'][0]['allow_local_firewall_rules'] = 'False'
    warnings = _firewall.advisory(gpo, [('tcp', 80), ('tcp', 443)])
    assert [(p, r) for dummy, p, r, dummy2 in warnings] == [(443, 'firewall-local-rules-ignored')]
    off = _fw([_rule()])
    off['profiles'][0]['enabled'] = 'False'
    assert not _firewall.advisory(off, [('tcp', 6020)])  # a firewall that is off blocks nothing
    assert not _firewall.advisory(None, [('tcp', 6020)]) and not _firewall.advisory(_fw(rules=None), [('tcp', 6020)])


def test_the_simulated_profiles_show_each_fact():
    cml1, cml2 = _profile_fw('demo/nodes/cml1.yml'), _profile_fw('demo/nodes/cml2.yml')
    assert _firewall.block_candidates(cml1, 'tcp', 19898)['kind'] == 'rules'  # the prepared node blocks JMX by GPO
    # cml2 blocks JMX from the printer VLAN only (10.20.0.0/16): a rule for some addresses is no evidence, from anywhere
    kind, sentence = _firewall.evidence_for(_firewall.block_candidates(cml2, 'tcp', 19898))
    assert kind is None and 'limited by its remote addresses' in sentence
    kind, sentence = _firewall.evidence_for(_firewall.block_candidates(cml2, 'tcp', 9797))  # its Wi-Fi-only Block rule
    assert kind is None and 'limited by its interface types' in sentence
    kind, sentence = _firewall.evidence_for(_firewall.block_candidates(_profile_fw('profiles/win11-client.yml'), 'tcp', 19898))
    assert kind is None and 'limited by its interfaces' in sentence  # a Block rule for one adapter (InterfaceAlias)
    sentence = _firewall.block_candidates(_profile_fw('profiles/de-server2016.yml'), 'tcp', 9999)['sentence']
    assert 'overrides block rules' in sentence  # a Group Policy IPsec allow rule with OverrideBlockRules
    sentence = _firewall.block_candidates(_profile_fw('profiles/not-admin.yml'), 'tcp', 9999)['sentence']
    assert 'security filters could not be read' in sentence  # Get-NetFirewallSecurityFilter denied
    assert [r for dummy, p, r, dummy2 in _firewall.advisory(cml2, [('tcp', 515)])] == ['firewall-block-rule']
    assert _firewall.stealth_disabled(_profile_fw('profiles/de-server2016.yml'), 'Domain') is True
    assert _firewall.stealth_disabled(_profile_fw('profiles/no-defender.yml'), 'Domain') is False
    assert _firewall.local_rules_apply(_profile_fw('profiles/no-defender.yml'), 'Domain') is False
    assert _firewall.block_candidates(_profile_fw('profiles/many-programs.yml'), 'tcp', 6020)['kind'] == 'firewall-off'
    assert _firewall.active_profiles(_profile_fw('profiles/not-admin.yml')) == ['Private', 'Public']


def test_the_schema_validates_the_profiles_firewall_facts_and_refuses_a_localised_or_unread_value():
    import json  # pylint: disable=import-outside-toplevel
    import jsonschema  # pylint: disable=import-outside-toplevel
    with open(os.path.join(REPO, 'tests', 'lab', 'schemas', 'win_server_facts.schema.json'), encoding='utf-8') as handle:
        schema = json.load(handle)['properties']['firewall']
    for name in ('demo/nodes/cml1.yml', 'demo/nodes/cml2.yml', 'profiles/no-defender.yml', 'profiles/not-admin.yml', 'profiles/win11-client.yml',
                 'profiles/de-server2016.yml', 'profiles/many-programs.yml', 'profiles/cs-server2016.yml',
                 'profiles/ssu-server2012r2.yml'):
        jsonschema.validate(_profile_fw(name), schema)
    localised = _profile_fw('demo/nodes/cml1.yml')
    localised['profiles'][0]['enabled'] = 'Wahr'  # a value must be the invariant enum name
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(localised, schema)
    denied = {'message': 'Access is denied', 'hresult': -2147024891, 'category': 'PermissionDenied'}
    unread = dict(_profile_fw('demo/nodes/cml1.yml'), rules=None, errors={'rules': denied})
    jsonschema.validate(unread, schema)  # a part that could not be read is null with its error, never an empty list
    assert _firewall.block_candidates(unread, 'tcp', 19898)['kind'] is None


def test_a_block_rule_for_the_vantage_points_own_address_is_no_evidence_and_the_remediation_never_suggests_one():
    """Review scenario: a Block rule scoped to the one vantage host (198.18.0.50) blocked its probe, but every other workstation
    stays allowed after installation. It must not pass, and the remediation must not tell the user to add such a rule."""
    for remote in (['198.18.0.50'], ['198.18.0.0/24'], ['198.18.0.1-198.18.0.254'], ['LocalSubnet']):
        candidates = _firewall.block_candidates(_fw([_rule(remote_addresses=remote)]), 'tcp', 6020)
        assert candidates['kind'] is None and _firewall.evidence_for(candidates)[0] is None, remote
    assert _firewall.evidence_for(_firewall.block_candidates(_fw([_rule()]), 'tcp', 6020))[0] == 'block-rule'
    assert '-RemoteAddress' not in _firewall.block_rule('tcp', 6020)


@pytest.mark.parametrize('condition, value, label', [
    ('local_addresses', ['198.18.0.1'], 'local addresses'), ('remote_ports', ['1024-65535'], 'remote ports'),
    ('interface_types', 'Wireless', 'interface types'), ('interface_types', 'Wired, Wireless', 'interface types'),
    ('interface_aliases', ['Ethernet 2'], 'interfaces'), ('package', 'S-1-15-2-1', 'app package'), ('package', '*', 'app package'),
    ('owner', 'S-1-5-21-1-2-3-1001', 'owner'), ('local_user', 'O:LSD:(A;;CC;;;S-1-5-21-1-2-3-1001)', 'local users'),
    ('remote_user', 'O:LSD:(A;;CC;;;S-1-5-21-1-2-3-1002)', 'remote users'), ('remote_machine', 'O:LSD:(A;;CC;;;S-1-5-21-1-2-3-1003)', 'remote machines'),
    ('interface_types', None, 'interface types'), ('local_user', None, 'local users'),  # not read: unknown limits the rule
])
def test_a_block_rule_limited_by_any_condition_or_one_not_read_is_no_evidence(condition, value, label):
    rule = _rule(**{condition: value})
    assert _firewall.limits(rule) == [label] or label in ', '.join(_firewall.limits(rule))
    candidates = _firewall.block_candidates(_fw([rule]), 'tcp', 6020)
    assert candidates['kind'] is None and label in candidates['sentence']
    missing = {key: item for key, item in _rule().items() if key != condition}  # an older gather without the condition
    assert _firewall.block_candidates(_fw([missing]), 'tcp', 6020)['kind'] is None


def test_an_allow_rule_that_overrides_block_rules_or_an_unread_filter_class_leaves_no_evidence():
    override = _rule(id='ipsec', display_name='IPsec', action='Allow', override_block_rules=True)
    assert _firewall.block_candidates(_fw([_rule(), override]), 'tcp', 6020)['kind'] is None
    assert 'overrides block rules' in _firewall.block_candidates(_fw([_rule(), override]), 'tcp', 6020)['sentence']
    other_port = dict(override, local_ports=['443'])
    assert _firewall.block_candidates(_fw([_rule(), other_port]), 'tcp', 6020)['kind'] == 'rules'
    unknown = dict(override, override_block_rules=None)
    assert _firewall.block_candidates(_fw([_rule(), unknown]), 'tcp', 6020)['kind'] is None
    denied = {'message': 'Access is denied', 'hresult': -2147024891, 'category': 'PermissionDenied'}
    for part in _firewall.FILTER_ERRORS:
        assert _firewall.block_candidates(_fw([_rule()], errors={part: denied}), 'tcp', 6020)['kind'] is None, part


@pytest.mark.parametrize('enabled, local, stealth', [
    ('True', {}, True), ('True', {'DomainProfile': 1}, False), ('False', {}, False),
])
def test_the_evidence_says_whether_the_node_itself_never_resets(enabled, local, stealth):
    fw = _fw()
    fw['profiles'][0]['enabled'] = enabled
    fw['stealth']['local'].update(local)
    assert _firewall.block_candidates(fw, 'tcp', 6020)['stealth'] is stealth
    assert _firewall.block_candidates(_fw(stealth=None), 'tcp', 6020)['stealth'] is None


# Allow-rule coverage of each required port (the advisory explains; it never passes a port row).
def _cover(rules, port=443, proto='tcp', **change):
    (item,) = _firewall.coverage(_fw(rules, **change), [(proto, port)])
    return {profile['name']: profile for profile in item['profiles']}


def _allow(**change):
    """An enabled inbound allow rule for TCP 443 with no condition besides protocol and port, ``change`` applied."""
    return _rule(**dict({'id': 'web', 'display_name': 'web', 'action': 'Allow', 'local_ports': ['443']}, **change))


def test_an_allow_rule_for_any_program_and_source_covers_the_port_in_its_profiles():
    domain = _cover([_allow()])['Domain']
    assert (domain['state'], domain['allow']) == ('allowed', ['"web" (web, Local)'])
    assert _cover([_allow(local_ports=['400-500'])])['Domain']['state'] == 'allowed'  # a range holds the port
    assert _cover([_allow(profiles='Private, Public')])['Domain']['state'] == 'not-allowed'  # not in the profile in force
    assert _cover([_allow(protocol='UDP')])['Domain']['state'] == 'not-allowed'
    assert _cover([_allow(local_ports=['RPC'])])['Domain']['state'] == 'not-allowed'  # a keyword never covers a plain port
    assert _cover([_allow()], proto='udp')['Domain']['state'] == 'not-allowed'


@pytest.mark.parametrize('change, named', [
    ({'program': 'C:\\Program Files\\IIS\\w3wp.exe'}, 'program'),  # SafeQ's own executables are not known before installation
    ({'service': 'W3SVC'}, 'service'),
    ({'remote_addresses': ['10.20.0.0/255.255.0.0']}, 'remote addresses'),
    ({'interface_types': 'Wireless'}, 'interface types'),
    ({'remote_user': 'O:LSD:(A;;CC;;;S-1-5-21-1-2-3-1104)'}, 'remote users'),
    ({'local_addresses': None}, 'local addresses'),  # a condition that could not be read limits the rule as far as Python knows
])
def test_a_scoped_allow_rule_covers_only_part_of_the_traffic_and_does_not_count(change, named):
    domain = _cover([_allow(**change)])['Domain']
    assert domain['state'] == 'not-allowed' and domain['allow'] == [] and named in domain['limited'][0]
    warning = _firewall.advisory(_fw([_allow(**change)]), [('tcp', 443)])
    assert [reason for dummy, dummy2, reason, dummy3 in warning] == ['firewall-no-allow-rule'] and 'not counted' in warning[0][3]


def test_a_block_rule_overrides_an_allow_rule_and_warns_as_a_block():
    domain = _cover([_allow(), _rule(local_ports=['443'], remote_addresses=['198.18.0.0/255.255.255.0'])])['Domain']
    assert domain['state'] == 'blocked' and domain['allow'] == ['"web" (web, Local)']
    warning = _firewall.advisory(_fw([_allow(), _rule(local_ports=['443'])]), [('tcp', 443)])
    assert [reason for dummy, dummy2, reason, dummy3 in warning] == ['firewall-block-rule']


def test_a_disabled_rule_never_covers():
    assert _cover([_allow(enabled='False')])['Domain']['state'] == 'not-allowed'
    assert _cover([_allow(enabled='True')])['Domain']['state'] == 'allowed'


def test_group_policy_rules_count_where_local_rules_are_ignored():
    gpo = _fw([_allow(source='GroupPolicy'), _allow(id='local', display_name='local', local_ports=['80'])])
    gpo['profiles'][0]['allow_local_firewall_rules'] = 'False'
    (web, local) = _firewall.coverage(gpo, [('tcp', 443), ('tcp', 80)])
    assert web['profiles'][0]['state'] == 'allowed' and '(web, GroupPolicy)' in web['profiles'][0]['allow'][0]
    assert local['profiles'][0]['state'] == 'not-allowed' and local['profiles'][0]['ignored'] == ['"local" (local, Local)']


def test_coverage_is_per_profile_in_force_and_unknown_never_claims_a_gap():
    both = _fw([_allow(profiles='Domain')], connections=[
        {'interface_alias': 'a', 'interface_index': 1, 'network_category': 'DomainAuthenticated'},
        {'interface_alias': 'b', 'interface_index': 2, 'network_category': 'Public'}])
    (item,) = _firewall.coverage(both, [('tcp', 443)])
    assert [(p['name'], p['state']) for p in item['profiles']] == [('Domain', 'allowed'), ('Public', 'not-allowed')]
    assert 'in Public' in _firewall.advisory(both, [('tcp', 443)])[0][3]
    public_off = copy.deepcopy(both)
    public_off['profiles'][2]['enabled'] = 'False'  # the firewall is off where no rule covers the port: nothing to warn
    assert [(p['name'], p['state']) for p in _firewall.coverage(public_off, [('tcp', 443)])[0]['profiles']] == [
        ('Domain', 'allowed'), ('Public', 'firewall-off')]
    assert not _firewall.advisory(public_off, [('tcp', 443)])
    domain_gap = _fw([_allow(profiles='Public')], connections=both['connections'])
    domain_gap['profiles'][2]['enabled'] = 'False'  # on in Domain without a rule, off in Public: Domain still warns
    assert [reason for dummy, dummy2, reason, dummy3 in _firewall.advisory(domain_gap, [('tcp', 443)])] == ['firewall-no-allow-rule']
    off = _fw([])
    off['profiles'][0]['enabled'] = 'False'
    assert _cover([], **{'profiles': off['profiles']})['Domain']['state'] == 'firewall-off' and not _firewall.advisory(off, [('tcp', 443)])
    unread = _fw([], errors={'interface_filter': 'denied'})
    assert _firewall.coverage(unread, [('tcp', 443)])[0]['profiles'][0]['state'] == 'unknown'
    assert not _firewall.advisory(unread, [('tcp', 443)])
    assert _firewall.coverage(None, [('tcp', 443)]) == [] and _firewall.coverage(_fw(rules=None), [('tcp', 443)]) == []


def test_the_2012_r2_profile_shows_the_allow_rule_coverage_of_each_port():
    fw = _profile_fw('profiles/ssu-server2012r2.yml')
    found = {item['port']: item['profiles'][0] for item in _firewall.coverage(fw, [('tcp', 80), ('tcp', 443), ('tcp', 515), ('tcp', 9100)])}
    assert {port: item['state'] for port, item in found.items()} == {80: 'not-allowed', 443: 'allowed', 515: 'not-allowed', 9100: 'not-allowed'}
    assert 'limited to its program System' in found[80]['limited'][0]  # the IIS rule lets http.sys through, not SafeQ's web server
    assert 'limited to its remote addresses' in found[515]['limited'][0]  # LPR from the printer VLAN only
    assert found[9100]['limited'] == [] and found[443]['allow'] == ['"HTTPS-In" ({6c1e0f2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b}, Local)']
    warned = [(port, reason) for dummy, port, reason, dummy2 in _firewall.advisory(fw, [('tcp', 80), ('tcp', 443), ('tcp', 515), ('tcp', 9100)])]
    assert warned == [(80, 'firewall-no-allow-rule'), (515, 'firewall-no-allow-rule'), (9100, 'firewall-no-allow-rule')]


TWO_PROFILES = [{'interface_alias': 'a', 'interface_index': 1, 'network_category': 'DomainAuthenticated'},
                {'interface_alias': 'b', 'interface_index': 2, 'network_category': 'Public'}]


def _reasons(warnings):
    return [reason for dummy, dummy2, reason, dummy3 in warnings]


def test_a_block_rule_in_only_one_profile_in_force_warns_naming_that_profile():
    """Review scenario: Domain and Public in force, an allow rule for any program in both, a Block rule in Public only."""
    fw = _fw([_allow(), _rule(id='b', display_name='no web', profiles='Public', local_ports=['443'])], connections=TWO_PROFILES)
    (warning,) = _firewall.advisory(fw, [('tcp', 443)])
    assert warning[2] == 'firewall-block-rule' and 'covers TCP 443 in Public,' in warning[3] and '"no web" (b, Local)' in warning[3]


def test_a_program_scoped_block_rule_warns_and_does_not_hide_the_missing_allow_rule():
    """Review scenario: a Block rule for one program only and no allow rule: both the block and the gap are warned."""
    fw = _fw([_rule(id='b', display_name='no foo', program='C:\\foo.exe', local_ports=['443'])])
    assert _cover(fw['rules'])['Domain']['state'] == 'blocked'
    warnings = _firewall.advisory(fw, [('tcp', 443)])
    assert _reasons(warnings) == ['firewall-block-rule', 'firewall-no-allow-rule']
    assert 'in Domain' in warnings[0][3] and 'in Domain' in warnings[1][3]
    # a Block rule for every program and source stands for the whole gap: one warning
    assert _reasons(_firewall.advisory(_fw([_rule(id='b', local_ports=['443'])]), [('tcp', 443)])) == ['firewall-block-rule']


def test_a_narrow_group_policy_allow_rule_does_not_suppress_the_local_rules_ignored_warning():
    gpo = _fw([_allow(source='GroupPolicy', program='C:\\other.exe')])
    gpo['profiles'][0]['allow_local_firewall_rules'] = 'False'
    assert _reasons(_firewall.advisory(gpo, [('tcp', 443)])) == ['firewall-local-rules-ignored']


def test_a_profile_whose_default_inbound_action_is_allow_is_allowed_without_a_warning():
    fw = _fw([])
    fw['profiles'][0]['default_inbound_action'] = 'Allow'
    domain = _cover([], profiles=fw['profiles'])['Domain']
    assert domain['state'] == 'allowed' and domain['default_allow'] is True
    (item,) = _firewall.coverage(fw, [('tcp', 443)])
    assert 'Domain: allowed by default inbound action Allow' in _firewall.coverage_sentence(item)
    assert _firewall.advisory(fw, [('tcp', 443)]) == []
    fw['rules'] = [_rule(id='b', local_ports=['443'])]  # a Block rule still wins over the default action
    assert _reasons(_firewall.advisory(fw, [('tcp', 443)])) == ['firewall-block-rule']
    fw['rules'] = [_rule(id='b', local_ports=['443'], program='C:\\foo.exe')]  # a narrow one: the rest is let in by default
    assert _reasons(_firewall.advisory(fw, [('tcp', 443)])) == ['firewall-block-rule']


@pytest.mark.parametrize('change', [{'authentication': 'Required'}, {'authentication': 'NoEncap'}, {'encryption': 'Required'},
                                    {'encryption': 'Dynamic'}, {'authentication': None}])
def test_an_allow_if_secure_rule_is_limited_to_ipsec_traffic_and_does_not_count(change):
    domain = _cover([_allow(**change)])['Domain']
    assert domain['state'] == 'not-allowed' and 'IPsec' in domain['limited'][0]
    assert _reasons(_firewall.advisory(_fw([_allow(**change)]), [('tcp', 443)])) == ['firewall-no-allow-rule']
    assert _cover([_allow(authentication='NotRequired', encryption='NotRequired')])['Domain']['state'] == 'allowed'


def test_the_simulated_gpo_ipsec_rule_requires_authentication_and_encryption():
    ipsec = [rule for rule in _profile_fw('profiles/de-server2016.yml')['rules'] if rule['override_block_rules']]
    assert ipsec and all((rule['authentication'], rule['encryption']) == ('Required', 'Required') for rule in ipsec)
    limited = _firewall.coverage(_profile_fw('profiles/de-server2016.yml'), [('tcp', 9999)])[0]['profiles'][0]['limited']
    assert any('IPsec authentication (allow if secure)' in item for item in limited)
