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

from ansible_collections.safeq.preflight.plugins.plugin_utils.windows import _feature_eval
from ansible_collections.safeq.preflight.plugins.plugin_utils import _profile_record
from ansible_collections.safeq.preflight.plugins.plugin_utils.ports import _inbound_ports

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
        'update_packages': [], 'clock': {'utc_epoch_ms': 1795000000000},
        'errors': {'hardware': 'The RPC server PRN-SRV-07 is unavailable.'}, 'error_details': {},
    },
    'win_feature_facts': {'features': [], 'services': [], 'listeners': [{'port': 80, 'address': '10.20.30.40', 'pid': 4, 'process': 'System'}],
                          'software': [{'name': 'Veeam Agent for Microsoft Windows', 'version': '6.2.0.121', 'publisher': 'Veeam'},
                                       {'name': 'PowerShell 7.4.6.0-x64', 'version': '7.4.6.0', 'publisher': 'Microsoft Corporation'}],
                          'excluded_port_ranges': [], 'dynamic_port_ranges': [{'family': 'ipv4', 'proto': 'tcp', 'start': 49152, 'count': 16384}],
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
    assert tuple(args['services']) == _feature_eval.SERVICES
    assert tuple(args['service_display_names']) == _feature_eval.SERVICE_DISPLAY_NAMES
    tcp, udp = _inbound_ports.record_ports(extra_tcp=_feature_eval.PORTS + (_feature_eval.LDAP_FALLBACK_PORT,))
    assert args['ports'] == tcp and args['udp_ports'] == udp
    assert {80, 443, 515, 389, 390, 5015} <= set(args['ports']) and 37 in args['udp_ports'], 'ranges and UDP rows are recorded too'


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


def test_http_sys_addresses_are_masked_in_a_recorded_profile():
    """The node_profile filter: http.sys URL reservations and TLS bindings carry the node's addresses (IPv4 and IPv6),
    which must not leave the site; the ports and the wildcard forms stay, so the port rule still reads them."""
    from ansible_collections.safeq.preflight.plugins.filter.node_profile import FilterModule
    facts = {'win_feature_facts': dict(FACTS['win_feature_facts'], http_sys={
        'url_reservations': ['http://10.20.30.40:80/Reports/', 'https://[2a01:4f8::7]:443/ews/', 'http://+:5985/wsman/',
                             'http://PRN-SRV-07.acme.corp:8080/'],
        'ssl_bindings': ['10.20.30.40:443', '0.0.0.0:8443', '[fe80::1234:5678:9abc:def0]:443', 'prn-srv-07.acme.corp:443']})}
    profile = FilterModule().filters()['node_profile'](facts, name='node1', replace=['PRN-SRV-07.acme.corp', 'PRN-SRV-07'])
    http = profile['probes']['win_feature_facts']['http_sys']
    text = json.dumps(http)
    for secret in ('10.20.30.40', '2a01:4f8', 'fe80::1234', 'prn-srv-07', 'acme'):
        assert secret not in text.lower(), secret
    assert http['url_reservations'][0].startswith('http://198.18.100.') and http['url_reservations'][0].endswith(':80/Reports/')
    assert 'http://+:5985/wsman/' in http['url_reservations'] and '0.0.0.0:8443' in http['ssl_bindings']
    assert http['ssl_bindings'][0].startswith('198.18.100.') and http['ssl_bindings'][0].endswith(':443')
    assert http['url_reservations'][1].startswith('https://[2001:db8::') and http['ssl_bindings'][2].startswith('[fe80::')
    assert http['url_reservations'][3] == 'http://node:8080/' and http['ssl_bindings'][3] == 'node:443'
