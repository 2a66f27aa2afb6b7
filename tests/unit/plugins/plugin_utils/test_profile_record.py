# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Recorded facts -> simulated-node profile with identifying values replaced."""

from __future__ import annotations

import json
import os

import jsonschema
import pytest
import yaml

from ansible_collections.safeq.preflight.plugins.module_utils import _feature_eval
from ansible_collections.safeq.preflight.plugins.plugin_utils import _profile_record

ROOT = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..')
FACTS = {
    'win_server_facts': {
        'user': 'ACME\\j.smith', 'groups': [], 'msi_version': '5.0.17763.1', 'browsers': [], 'hotfixes': [],
        'os': {'caption': 'Microsoft Windows Server 2019 Standard', 'version': '10.0.17763', 'build': 17763, 'product_type': 3},
        'platform': {'edition_id': 'ServerStandard', 'installation_type': 'Server', 'current_build': '17763', 'processor_architecture': 'AMD64'},
        'netfx35': {'key_present': False, 'install': None}, 'pending_reboot': None, 'hardware': None, 'defender': None,
        'adapters': [{'description': 'vmxnet3', 'dhcp_enabled': False, 'addresses': ['10.20.30.40', 'fe80::1234:5678:9abc:def0', '2a01:4f8::7']}],
        'share': {'path': '\\\\fs01.acme.corp\\SafeQInstall', 'exists': False, 'listable': False, 'hresult': -2147024891,
                  'category': 'PermissionDenied', 'error': 'Access to the path \\\\fs01.acme.corp\\SafeQInstall (10.20.30.5) is denied for ACME\\j.smith.'},
        'errors': {'hardware': 'The RPC server PRN-SRV-07 is unavailable.'}, 'error_details': {},
    },
    'win_feature_facts': {'features': [], 'services': [], 'listeners': [{'port': 80, 'address': '10.20.30.40', 'pid': 4, 'process': 'System'}],
                          'software': [{'name': 'Veeam Agent for Microsoft Windows', 'version': '6.2.0.121', 'publisher': 'Veeam'},
                                       {'name': 'PowerShell 7.4.6.0-x64', 'version': '7.4.6.0', 'publisher': 'Microsoft Corporation'}],
                          'errors': {}, 'error_details': {}},
}


def test_identifying_values_are_replaced_and_the_rest_kept():
    profile = _profile_record.build(FACTS, 'node1', replace=['PRN-SRV-07', 'prn-srv-07.acme.corp'])
    text = json.dumps(profile)
    for secret in ('ACME', 'j.smith', 'fs01', 'SafeQInstall', '10.20.30', 'PRN-SRV-07', 'fe80::1234', '2a01:4f8'):
        assert secret.lower() not in text.lower(), secret
    server = profile['probes']['win_server_facts']
    assert server['user'] == 'LAB\\safeq-install' and server['share']['path'] == '\\\\files.lab.test\\safeq-install'
    assert server['adapters'][0]['addresses'][0].startswith('198.18.100.')
    assert server['adapters'][0]['addresses'][1].startswith('fe80::') and server['adapters'][0]['addresses'][2].startswith('2001:db8::')
    assert profile['probes']['win_feature_facts']['listeners'][0]['address'] == server['adapters'][0]['addresses'][0], 'one mapping'
    assert server['os'] == FACTS['win_server_facts']['os'] and server['share']['hresult'] == -2147024891
    assert profile['probes']['win_feature_facts']['software'] == FACTS['win_feature_facts']['software']
    assert profile['credentials']['password'] == _profile_record.PLACEHOLDER_PASSWORD
    assert profile['probes']['win_port_probe'] == {'live': True}


def test_the_profile_validates_against_the_module_schemas():
    profile = _profile_record.build(FACTS, 'node1')
    for module in _profile_record.MODULES:
        with open(os.path.join(ROOT, 'tests', 'lab', 'schemas', module + '.schema.json'), encoding='utf-8') as handle:
            jsonschema.validate(profile['probes'][module], json.load(handle))


@pytest.mark.parametrize('value, message', [
    ([], 'expected a dict'),
    ({'win_other': {}}, 'unknown gather module'),
    ({'win_server_facts': {'changed': False, 'facts': {}}}, "pass the task result's .facts"),
])
def test_bad_input_is_a_clear_message(value, message):
    with pytest.raises(_profile_record.ProfileError, match=message):
        _profile_record.build(value)


def test_the_record_playbook_asks_what_windows_feature_check_asks():
    with open(os.path.join(ROOT, 'playbooks', 'record_node_profile.yml'), encoding='utf-8') as handle:
        play = yaml.safe_load(handle)[0]
    args = next(t['safeq.preflight.win_feature_facts'] for t in play['tasks'] if 'safeq.preflight.win_feature_facts' in t)
    assert args['features'] == _feature_eval.RECORD_FEATURES and args['optional_features'] == _feature_eval.RECORD_OPTIONAL_FEATURES
    assert tuple(args['services']) == _feature_eval.SERVICES and tuple(args['ports']) == _feature_eval.PORTS


def test_a_firewall_rule_keeps_its_subnet_mask_and_loses_the_sites_addresses():
    rule = {'id': 'r', 'display_name': 'Block JMX', 'action': 'Block', 'profiles': 'Any', 'source': 'Local', 'protocol': 'TCP',
            'local_ports': ['19898'], 'program': 'Any', 'service': 'Any', 'filters_found': True,
            'remote_addresses': ['10.20.30.0/255.255.255.0', '10.20.31.0/24', '10.20.32.5', 'LocalSubnet']}
    facts = {'win_server_facts': dict(FACTS['win_server_facts'], firewall={'rules': [rule]}), 'win_feature_facts': FACTS['win_feature_facts']}
    remote = _profile_record.build(facts, 'node1')['probes']['win_server_facts']['firewall']['rules'][0]['remote_addresses']
    assert '10.20' not in ' '.join(remote) and remote[3] == 'LocalSubnet'
    assert remote[0].startswith('198.18.100.') and remote[0].endswith('/255.255.255.0') and remote[1].endswith('/24')


def test_a_firewall_rules_local_subnet_and_domain_sids_lose_the_sites_values():
    rule = {'id': 'r', 'display_name': 'Block JMX', 'action': 'Block', 'profiles': 'Any', 'source': 'Local', 'protocol': 'TCP',
            'local_ports': ['19898'], 'program': 'Any', 'service': 'Any', 'filters_found': True, 'remote_addresses': ['Any'],
            'local_addresses': ['10.20.30.7/255.255.255.0'], 'owner': 'S-1-5-21-3623811015-3361044348-30300820-1013',
            'local_user': 'O:LSD:(A;;CC;;;S-1-5-21-3623811015-3361044348-30300820-1014)', 'remote_user': 'Any', 'remote_machine': 'Any'}
    facts = {'win_server_facts': dict(FACTS['win_server_facts'], firewall={'rules': [rule]}), 'win_feature_facts': FACTS['win_feature_facts']}
    found = _profile_record.build(facts, 'node1')['probes']['win_server_facts']['firewall']['rules'][0]
    assert found['local_addresses'][0].startswith('198.18.100.') and found['local_addresses'][0].endswith('/255.255.255.0')
    assert '3623811015' not in repr(found) and found['owner'].endswith('-1013') and found['local_user'].startswith('O:LSD:(A;;CC;;;S-1-5-21-')
    assert found['remote_user'] == 'Any'
