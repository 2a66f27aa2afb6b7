# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the server_check evaluators (pure Python, ground truth built in each test)."""

from __future__ import annotations

import copy
import datetime
import os

import pytest
import yaml

from ansible_collections.safeq.preflight.plugins.plugin_utils.windows import _hotfix_dates, _server_eval as ev
from ansible_collections.safeq.preflight.plugins.plugin_utils import _catalogue

TODAY = datetime.date(2026, 11, 24)
NODES = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'lab', 'demo', 'nodes')


def _facts(node):
    """The node's win_server_facts answer as server_check hands it to the evaluators (hotfix dates parsed)."""
    with open(os.path.join(NODES, node + '.yml'), encoding='utf-8') as handle:
        return copy.deepcopy(_hotfix_dates.normalise(yaml.safe_load(handle)['probes']['win_server_facts']))


def _by_id(findings):
    return {item['id']: item for item in findings}


def test_prepared_node_passes_every_server_check():
    findings = _by_id(ev.evaluate(_facts('cml1'), today=TODAY, share_requested=True))
    assert {k: v['status'] for k, v in findings.items()} == dict.fromkeys(findings, 'pass')
    assert len(findings) == 9


def test_misconfigured_node_fails_where_it_was_misconfigured():
    findings = _by_id(ev.evaluate(_facts('cml2'), today=TODAY, share_requested=True))
    observed = {k: (v['status'], v['reason']) for k, v in findings.items()}
    assert observed == {
        'server.admin-rights': ('fail', 'not-elevated'),
        'server.supported-platform': ('warn', 'evaluation-edition'),
        'server.windows-installer-45': ('fail', 'netfx35-missing'),  # the demo site uses external_db: not applicable there
        'server.web-browser': ('warn', 'only-internet-explorer'),
        'server.security-patches': ('fail', 'patches-outdated'),
        'server.hardware-minimum': ('fail', 'below-minimum'),
        'server.ip-addresses-prepared': ('warn', 'dhcp-address'),
        'server.antivirus': ('warn', 'install-dir-not-excluded'),
        'server.shared-folder': ('fail', 'share-unreachable'),
    }
    assert '2 logical processors < 4' in findings['server.hardware-minimum']['detail']
    assert _catalogue.enrich(findings['server.admin-rights'])['remediation'].startswith('Connect with a domain account')


@pytest.mark.parametrize('groups, expected', [
    ([], ('fail', 'not-admin')),
    ([{'sid': 'S-1-5-32-544', 'attributes': 'Enabled group'}, {'sid': 'S-1-16-16384', 'attributes': ''}], ('pass', 'elevated-admin')),
    ([{'sid': 'S-1-5-32-544', 'attributes': 'Gruppe nur zum Verweigern verwendet'}, {'sid': 'S-1-16-8192', 'attributes': ''}],
     ('fail', 'not-elevated')),
    ([{'sid': 'S-1-5-32-544', 'attributes': 'Group used for deny only'}], ('fail', 'not-elevated')),
    ([{'sid': 'S-1-5-32-544', 'attributes': 'Enabled group'}], ('warn', 'elevation-unknown')),
])
def test_admin_rights_uses_locale_independent_sids(groups, expected):
    result = ev.admin_rights({'user': 'LAB\\x', 'groups': groups, 'errors': {}})
    assert (result['status'], result['reason']) == expected


SPRAVCI = 'BUILTIN\\Správci'  # the Czech name of BUILTIN\\Administrators (S-1-5-32-544)


@pytest.mark.parametrize('groups, token, expected', [
    # a local account over WinRM: remote UAC leaves Administrators deny-only, and IsInRole answers false
    ([{'sid': 'S-1-5-32-544', 'attributes': 'deny-only', 'name': SPRAVCI}], {'elevated': False}, ('fail', 'not-elevated')),
    ([{'sid': 'S-1-5-32-544', 'attributes': 'enabled', 'name': SPRAVCI}], {'elevated': True}, ('pass', 'elevated-admin')),
    ([], {'elevated': False}, ('fail', 'not-admin')),
    # the token contradicting itself is never a pass
    ([{'sid': 'S-1-5-32-544', 'attributes': 'enabled', 'name': SPRAVCI}], {'elevated': False}, ('error', 'token-inconsistent')),
    ([{'sid': 'S-1-5-32-544', 'attributes': 'deny-only', 'name': SPRAVCI}], {'elevated': True}, ('error', 'token-inconsistent')),
])
def test_admin_rights_from_the_token_with_non_ascii_names(groups, token, expected):
    result = ev.admin_rights({'user': 'CS2016\\Jiří Novák', 'groups': groups, 'token': dict(token, authentication='NTLM'), 'errors': {}})
    assert (result['status'], result['reason']) == expected
    assert result['detail'].startswith('CS2016\\Jiří Novák ')
    if groups:
        assert SPRAVCI in result['detail']


def test_admin_rights_token_section_failed_is_error():
    facts = {'user': 'LAB\\x', 'groups': [{'sid': 'S-1-5-32-544', 'attributes': 'enabled', 'name': None}], 'token': None,
             'errors': {'token': 'Exception calling "IsInRole"'}}
    result = ev.admin_rights(facts)
    assert (result['status'], result['reason']) == ('error', 'fact-unavailable') and 'IsInRole' in result['detail']


def test_unreadable_fact_is_error_never_pass():
    facts = _facts('cml1')
    facts['groups'] = None
    facts['errors'] = {'groups': 'Exception calling "Translate": Some or all identity references could not be translated.'}
    result = ev.admin_rights(facts)
    assert (result['status'], result['reason']) == ('error', 'fact-unavailable')
    assert 'could not be translated' in result['detail']


def _platform(build, edition='ServerStandard', installation='Server', arch='AMD64', product_type=3, ubr=1):
    return {'os': {'caption': 'Microsoft Windows Server', 'version': '10.0.%d' % build, 'build': build, 'product_type': product_type,
                   'architecture': '64-bit'},
            'platform': {'edition_id': edition, 'installation_type': installation, 'product_name': 'Windows Server',
                         'current_build': str(build), 'ubr': ubr, 'display_version': None, 'processor_architecture': arch},
            'errors': {}}


@pytest.mark.parametrize('facts, policy, expected', [
    (_platform(20348), {}, ('pass', 'supported-build')),
    (_platform(26100, 'ServerDatacenter'), {}, ('pass', 'supported-build')),
    (_platform(19045, 'Professional', 'Client', product_type=1), {}, ('fail', 'client-os')),
    (_platform(19045, 'Professional', 'Client', product_type=1), {'allow_client_os': True}, ('pass', 'supported-build')),
    (_platform(7601), {}, ('fail', 'os-too-old')),
    (_platform(18363), {}, ('fail', 'build-not-listed')),  # Server 1909, Semi-Annual Channel: between listed builds
    (_platform(18363), {'supported_builds': [17763, 18363, 20348]}, ('pass', 'supported-build')),
    (_platform(14393), {'supported_builds': [17763, 20348]}, ('fail', 'build-not-listed')),  # the site dropped 2016
    (_platform(29000), {}, ('warn', 'os-unverified')),
    (_platform(20348, arch='ARM64'), {}, ('fail', 'not-x64')),
    (_platform(20348, arch='x86'), {}, ('fail', 'not-x64')),
    (_platform(20348, installation='Server Core'), {}, ('warn', 'server-core')),
    (_platform(20348, installation='Server Core'), {'allow_server_core': True}, ('pass', 'supported-build')),
    (_platform(20348, edition='ServerDatacenterEval'), {}, ('warn', 'evaluation-edition')),
    (_platform(20348, edition='ServerSolution'), {}, ('fail', 'edition-not-supported')),  # Essentials
    (_platform(20348, edition='ServerSolution'), {'supported_editions': ['ServerSolution']}, ('pass', 'supported-build')),
    (_platform(20348, edition='serverstandard'), {}, ('pass', 'supported-build')),
])
def test_supported_platform(facts, policy, expected):
    result = ev.supported_platform(facts, dict(ev.DEFAULT_POLICY, **policy))
    assert (result['status'], result['reason']) == expected
    assert 'build %d' % facts['os']['build'] in result['detail']


@pytest.mark.parametrize('os_info, expected', [
    ({'caption': 'Windows Server 2012 R2', 'version': '6.3.9600', 'build': 9600, 'product_type': 3, 'architecture': '32-bit'},
     ('fail', 'not-64-bit')),
    ({'caption': 'Windows 10 Pro', 'version': '10.0.19045', 'build': 19045, 'product_type': 1}, ('fail', 'client-os')),
    ({'caption': 'Windows Server 2022', 'version': '10.0.20348', 'build': 20348, 'product_type': 3}, ('error', 'fact-unavailable')),
])
def test_supported_platform_without_the_registry_facts(os_info, expected):
    result = ev.supported_platform({'os': os_info, 'platform': None, 'errors': {'platform': 'Requested registry access is not allowed.'}},
                                   ev.DEFAULT_POLICY)
    assert (result['status'], result['reason']) == expected


def test_supported_platform_names_the_build_and_update_revision():
    result = ev.supported_platform(_platform(17763, ubr=6054), ev.DEFAULT_POLICY)
    assert 'build 17763.6054' in result['detail'] and 'ServerStandard' in result['detail']


@pytest.mark.parametrize('version, expected', [('4.5.6001.22159', 'pass'), ('4.0.6001.18000', 'fail'), ('5.0.20348.1', 'pass'),
                                               ('garbage', 'error')])
def test_windows_installer_version(version, expected):
    net = {'key_present': True, 'install': 1, 'sp': 1, 'version': '3.5.30729.4926'}
    assert ev.windows_installer({'msi_version': version, 'netfx35': net, 'errors': {}})['status'] == expected


@pytest.mark.parametrize('net, expected', [
    ({'key_present': True, 'install': 1, 'sp': 1, 'version': '3.5.30729.4926'}, ('pass', 'msi-ok')),
    ({'key_present': False, 'install': None}, ('fail', 'netfx35-missing')),  # Server 2016+ default: payload removed
    ({'key_present': True, 'install': 0, 'sp': None, 'version': None}, ('fail', 'netfx35-missing')),
    ({'key_present': True, 'install': None, 'sp': None, 'version': None}, ('fail', 'netfx35-missing')),
    (None, ('error', 'fact-unavailable')),
])
def test_dotnet35_for_the_embedded_database(net, expected):
    result = ev.windows_installer({'msi_version': '5.0.20348.1', 'netfx35': net, 'errors': {} if net else {'netfx35': 'denied'}})
    assert (result['status'], result['reason']) == expected
    if expected[0] == 'pass':
        assert '3.5.30729.4926 SP1' in result['detail']


def test_old_msi_fails_before_dotnet_is_looked_at():
    result = ev.windows_installer({'msi_version': '4.0.6001.18000', 'netfx35': None, 'errors': {'netfx35': 'x'}})
    assert result['reason'] == 'msi-too-old'


NO_REBOOT = {'cbs_reboot_pending': False, 'cbs_reboot_in_progress': False, 'cbs_packages_pending': False, 'wu_reboot_required': False,
             'wu_post_reboot_reporting': False, 'file_rename_operations': 0, 'active_computer_name': 'CML1',
             'pending_computer_name': 'CML1', 'domain_join_pending': False}


@pytest.mark.parametrize('change, expected, text', [
    ({}, ('pass', 'patches-recent'), 'No reboot is pending'),
    ({'cbs_reboot_pending': True}, ('warn', 'reboot-pending'), 'Component Based Servicing RebootPending'),
    ({'wu_reboot_required': True}, ('warn', 'reboot-pending'), 'Windows Update RebootRequired'),
    ({'file_rename_operations': 4}, ('warn', 'reboot-pending'), '4 PendingFileRenameOperations'),
    ({'pending_computer_name': 'CML2'}, ('warn', 'reboot-pending'), 'pending computer rename (CML1 -> CML2)'),
    ({'pending_computer_name': 'cml1'}, ('pass', 'patches-recent'), 'No reboot'),  # NetBIOS names compare case-insensitively
    ({'domain_join_pending': True}, ('warn', 'reboot-pending'), 'pending domain join'),
])
def test_pending_reboot_is_its_own_warning(change, expected, text):
    facts = {'hotfix_basis': 'rollup', 'hotfixes': [{'id': 'KB1', 'installed_on': '2026-11-20'}], 'pending_reboot': dict(NO_REBOOT, **change), 'errors': {}}
    result = ev.security_patches(facts, ev.DEFAULT_POLICY, TODAY)
    assert (result['status'], result['reason']) == expected and text in result['detail']


def test_pending_reboot_unreadable_is_unknown_never_no_reboot():
    facts = {'hotfix_basis': 'rollup', 'hotfixes': [{'id': 'KB1', 'installed_on': '2026-11-20'}], 'pending_reboot': None,
             'errors': {'pending_reboot': 'Requested registry access is not allowed.'}}
    result = ev.security_patches(facts, ev.DEFAULT_POLICY, TODAY)
    assert (result['status'], result['reason']) == ('warn', 'reboot-state-unknown') and 'registry access' in result['detail']


def test_outdated_patches_fail_even_with_a_reboot_pending():
    facts = {'hotfix_basis': 'rollup', 'hotfixes': [{'id': 'KB1', 'installed_on': '2025-01-01'}],
             'pending_reboot': dict(NO_REBOOT, cbs_reboot_pending=True), 'errors': {}}
    result = ev.security_patches(facts, ev.DEFAULT_POLICY, TODAY)
    assert result['reason'] == 'patches-outdated' and 'A reboot is pending too: Component Based Servicing RebootPending' in result['detail']


def test_security_patches_age_boundary():
    policy = dict(ev.DEFAULT_POLICY, patch_max_age_days=30)
    facts = {'hotfix_basis': 'rollup', 'hotfixes': [{'id': 'KB1', 'installed_on': '2026-10-25'}], 'pending_reboot': dict(NO_REBOOT), 'errors': {}}
    assert ev.security_patches(facts, policy, TODAY)['status'] == 'pass'  # 30 days: at the limit
    facts['hotfixes'][0]['installed_on'] = '2026-10-24'
    assert ev.security_patches(facts, policy, TODAY)['reason'] == 'patches-outdated'  # 31 days
    assert ev.security_patches({'hotfixes': [], 'errors': {}}, policy, TODAY)['reason'] == 'no-updates-recorded'


def test_shared_folder_access_denied_is_error_not_fail():
    facts = {'share': {'path': '\\\\f\\s', 'exists': False, 'listable': False, 'error': 'Access is denied.'}, 'errors': {}}
    result = ev.shared_folder(facts)
    assert (result['status'], result['reason']) == ('error', 'access-denied')
    assert 'second hop' in result['detail']


def test_antivirus_exclusion_covers_subfolders_only_at_path_boundary():
    policy = dict(ev.DEFAULT_POLICY, install_dir='C:\\SafeQ5')
    covered = {'defender': {'realtime': True, 'exclusions': ['c:\\']}, 'av_filters': [], 'errors': {}}
    assert ev.antivirus(covered, policy)['status'] == 'pass'
    unknown_filters = {'defender': {'realtime': True, 'exclusions': ['c:\\']}, 'av_filters': None, 'errors': {'av_filters': 'denied'}}
    assert (ev.antivirus(unknown_filters, policy)['status'], ev.antivirus(unknown_filters, policy)['reason']) == ('error', 'av-filters-unknown')
    lookalike = {'defender': {'realtime': True, 'exclusions': ['C:\\Safe']}, 'av_filters': [], 'errors': {}}
    assert ev.antivirus(lookalike, policy)['reason'] == 'install-dir-not-excluded'
    hidden = {'defender': {'realtime': True, 'exclusions': ['N/A: Must be an administrator to view exclusions']}, 'errors': {}}
    assert ev.antivirus(hidden, policy)['status'] == 'error'
    other_av = {'defender': None, 'errors': {'defender': 'Get-MpComputerStatus: not recognized'},
                'error_details': {'defender': {'message': 'x', 'category': 'ObjectNotFound', 'error_id': 'CommandNotFoundException',
                                               'exception': 'System.Management.Automation.CommandNotFoundException'}}}
    assert ev.antivirus(other_av, policy)['status'] == 'manual'


def test_ip_addresses_ipv6_only_dhcp_is_not_a_leased_ipv4():
    facts = {'adapters': [{'description': 'nic', 'dhcp_enabled': True, 'addresses': ['fe80::1']}], 'errors': {}}
    result = ev.ip_addresses_prepared(facts)
    assert 'dhcp-address' not in result.get('observed', []) and result['reason'] == 'dns-unknown'
    assert ev.ip_addresses_prepared({'adapters': [], 'errors': {}})['status'] == 'error'


def test_access_denied_on_a_german_server_is_recognised_by_hresult_not_text():
    """de-DE: the message is localised, the HResult (0x80070005) and the category are not. A second-hop denial must
    not become a false fail."""
    share = {'path': '\\\\f\\s', 'exists': False, 'listable': False, 'error': 'Der Zugriff auf den Pfad wurde verweigert.',
             'hresult': -2147024891, 'category': 'PermissionDenied'}
    assert (ev.shared_folder({'share': share})['status'], ev.shared_folder({'share': share})['reason']) == ('error', 'access-denied')
    by_category = dict(share, hresult=None)
    assert ev.shared_folder({'share': by_category})['reason'] == 'access-denied'


def test_bad_network_name_is_a_failure_whatever_the_language():
    share = {'path': '\\\\f\\s', 'exists': False, 'listable': False, 'error': 'Der Netzwerkname wurde nicht gefunden.',
             'hresult': -2147024829, 'category': 'ReadError'}  # 0x80070043 ERROR_BAD_NET_NAME
    assert (ev.shared_folder({'share': share})['status'], ev.shared_folder({'share': share})['reason']) == ('fail', 'share-unreachable')


def _browser(exe, version, scope='machine', view='Registry64', sid=None):
    return {'name': exe, 'path': 'C:\\x\\' + exe, 'version': version, 'scope': scope, 'view': view, 'user_sid': sid}


MINIMUMS = {'browser_min_versions': {'edge': '140', 'chrome': '140.0.7339', 'firefox': '140'}}


@pytest.mark.parametrize('browsers, policy, expected', [
    ([], MINIMUMS, ('fail', 'no-browser')),
    ([_browser('msedge.exe', '142.0.3595.65')], MINIMUMS, ('pass', 'browser-present')),
    ([_browser('msedge.exe', '142.0.3595.65')], {}, ('pass', 'browser-present')),
    ([_browser('chrome.exe', '140.0.7339.0')], MINIMUMS, ('pass', 'browser-present')),  # exactly the minimum
    ([_browser('chrome.exe', '140.0.7338.99')], MINIMUMS, ('fail', 'browser-outdated')),
    ([_browser('chrome.exe', None)], MINIMUMS, ('fail', 'browser-outdated')),  # version unknown: not proven current
    # an App Paths entry whose program file is gone has no version: a stale registration, not a browser (review finding)
    ([_browser('chrome.exe', None)], {}, ('fail', 'browser-outdated')),
    ([_browser('iexplore.exe', '11.00.17763.1')], MINIMUMS, ('warn', 'only-internet-explorer')),
    ([_browser('iexplore.exe', '11.00.17763.1')], {'browser_min_versions': {'ie': '12'}}, ('fail', 'browser-outdated')),
    ([_browser('firefox.exe', '145.0.1'), _browser('chrome.exe', '109.0.5414.120', 'user', sid='S-1-5-21-1-2-3-500')], MINIMUMS,
     ('warn', 'outdated-browser-present')),
    ([_browser('firefox.exe', '145.0.1', 'user', sid='S-1-5-21-1-2-3-1001')], MINIMUMS, ('warn', 'per-user-browser-only')),
    ([_browser('firefox.exe', '128.5.0esr', view='Registry32')], {'browser_min_versions': {'firefox': '128.5'}}, ('pass', 'browser-present')),
])
def test_web_browser(browsers, policy, expected):
    result = ev.web_browser({'browsers': browsers, 'errors': {}}, policy)
    assert (result['status'], result['reason']) == expected


def test_web_browser_names_every_version_and_where_it_is():
    result = ev.web_browser({'browsers': [_browser('firefox.exe', '145.0.1', view='Registry32'),
                                          _browser('chrome.exe', '109.0.5414.120', 'user', sid='S-1-5-21-1-2-3-500')], 'errors': {}}, MINIMUMS)
    assert 'Mozilla Firefox 145.0.1 (32-bit)' in result['detail']
    assert 'Google Chrome 109.0.5414.120 (per user S-1-5-21-1-2-3-500), below the minimum 140.0.7339' in result['detail']


def test_web_browser_unreadable_is_error():
    result = ev.web_browser({'browsers': None, 'errors': {'browsers': 'Requested registry access is not allowed.'}}, MINIMUMS)
    assert (result['status'], result['reason']) == ('error', 'fact-unavailable')


WDFILTER = ({'name': 'WdFilter', 'display_name': 'Microsoft antimalware file system filter driver', 'start': 0},)


def _av(exclusions, realtime=True, mode='Normal', filters=WDFILTER, install_dir='C:\\SafeQ5'):
    facts = {'defender': {'realtime': realtime, 'running_mode': mode, 'exclusions': exclusions}, 'av_filters': list(filters),
             'hardware': {'system_drive': 'C:'}, 'errors': {}}
    return ev.antivirus(facts, dict(ev.DEFAULT_POLICY, install_dir=install_dir))


@pytest.mark.parametrize('exclusions, expected', [
    (['C:\\SafeQ5'], ('pass', 'install-dir-excluded')),
    (['C:\\SafeQ5\\'], ('pass', 'install-dir-excluded')),
    (['c:\\safeq5\\*'], ('pass', 'install-dir-excluded')),
    (['C:\\Safe*'], ('pass', 'install-dir-excluded')),  # a wildcard within the segment
    (['%SystemDrive%\\SafeQ5'], ('pass', 'install-dir-excluded')),  # an environment variable Defender expands
    (['C:\\SafeQ5\\logs'], ('warn', 'install-dir-not-excluded')),  # a subfolder does not cover the folder
    (['C:\\SafeQ'], ('warn', 'install-dir-not-excluded')),  # a look-alike prefix is not an ancestor
    (['%SAFEQ_HOME%'], ('warn', 'install-dir-not-excluded')),  # an unknown variable cannot be expanded: not counted
    ([], ('warn', 'install-dir-not-excluded')),
])
def test_antivirus_exclusions(exclusions, expected):
    result = _av(exclusions)
    assert (result['status'], result['reason']) == expected


def test_unknown_variable_is_named():
    assert '%SAFEQ_HOME%' in _av(['%SAFEQ_HOME%'])['detail']


def test_every_safeq6_folder_is_checked():
    partial = _av(['D:\\SafeQ6\\SPOC', 'D:\\SafeQ6\\FSP\\logs'], install_dir='D:\\SafeQ6')
    assert partial['status'] == 'warn' and 'D:\\SafeQ6\\Management\\PGSQL-data' in partial['observed']
    assert 'D:\\SafeQ6\\SPOC\\SpoolCache' not in partial['observed']
    assert _av(['D:\\SafeQ6\\*'], install_dir='D:\\SafeQ6')['status'] == 'pass'
    assert _av(['D:\\SafeQ6\\*\\logs', 'D:\\SafeQ6\\SPOC', 'D:\\SafeQ6\\Management\\PGSQL-data'], install_dir='D:\\SafeQ6')['status'] == 'pass'


def test_hidden_exclusions_are_error_not_warn():
    result = _av(['N/A: Must be an administrator to view exclusions'])
    assert (result['status'], result['reason']) == ('error', 'exclusions-hidden')


@pytest.mark.parametrize('mode', ['Passive Mode', 'SxS Passive Mode', 'EDR Block Mode'])
def test_passive_defender_leaves_the_other_product_to_a_person(mode):
    result = _av([], mode=mode, filters=list(WDFILTER) + [{'name': 'SentinelMonitor', 'display_name': 'SentinelOne', 'start': 0}])
    assert (result['status'], result['reason']) == ('manual', 'defender-passive') and 'SentinelOne (SentinelMonitor)' in result['detail']


def test_realtime_off_is_not_a_pass_by_itself():
    assert (_av([], realtime=False)['status'], _av([], realtime=False)['reason']) == ('warn', 'realtime-off')
    other = _av([], realtime=False, filters=[{'name': 'eamonm', 'display_name': 'eamonm', 'start': 2}])
    assert (other['status'], other['reason']) == ('manual', 'third-party-av')


def test_a_second_scanner_beside_defender_is_not_a_pass():
    result = _av(['C:\\SafeQ5'], filters=list(WDFILTER) + [{'name': 'SophosED', 'display_name': 'Sophos Endpoint Defense', 'start': 0}])
    assert (result['status'], result['reason']) == ('manual', 'third-party-av')


def test_no_defender_and_no_filter_driver_stays_manual():
    facts = {'defender': None, 'av_filters': [], 'errors': {'defender': 'Invalid namespace'},
             'error_details': {'defender': {'message': 'Invalid namespace', 'hresult': -2147217394, 'category': 'MetadataError',
                                            'error_id': 'HRESULT 0x8004100e,Get-MpComputerStatus'}}}
    assert ev.antivirus(facts, ev.DEFAULT_POLICY)['reason'] == 'defender-unavailable'


HW = {'logical_processors': 8, 'memory_bytes': 16 * 1024 ** 3, 'system_drive': 'C:', 'disk_free_bytes': 100 * 1024 ** 3,
      'disk_size_bytes': 200 * 1024 ** 3, 'fixed_disks': [{'drive': 'C:', 'free_bytes': 100 * 1024 ** 3, 'size_bytes': 200 * 1024 ** 3},
                                                          {'drive': 'D:', 'free_bytes': 5 * 1024 ** 3, 'size_bytes': 50 * 1024 ** 3}]}


@pytest.mark.parametrize('install_dir, expected', [
    ('C:\\SafeQ5', ('pass', 'meets-minimum')),
    ('d:\\SafeQ6', ('fail', 'below-minimum')),  # plenty on C:, but SafeQ goes to D:
    ('E:\\SafeQ5', ('fail', 'install-drive-missing')),  # a DVD or network drive letter, not a fixed disk
])
def test_free_space_is_read_on_the_drive_of_install_dir(install_dir, expected):
    result = ev.hardware_minimum({'hardware': HW, 'errors': {}}, dict(ev.DEFAULT_POLICY, install_dir=install_dir))
    assert (result['status'], result['reason']) == expected
    if expected[1] == 'below-minimum':
        assert '5.0 GiB free on D: < 20 GiB' in result['detail']


def test_cluster_nodes_alike():
    small = dict(HW, logical_processors=4)
    assert ev.cluster_alike({'cml1': HW, 'cml2': dict(HW)})[0] == 'pass'
    status, detail, hosts = ev.cluster_alike({'cml1': HW, 'cml2': small, 'cml3': None})
    assert (status, hosts) == ('warn', ['cml2']) and 'cml2: 4 logical processors' in detail
    assert ev.cluster_alike({'cml1': HW, 'cml2': dict(HW, memory_bytes=int(HW['memory_bytes'] * 0.95))})[0] == 'pass'  # within 10 %
    assert ev.cluster_alike({'cml1': HW, 'cml3': None})[0] == 'error'


def test_remote_uac_fix_text_is_exact():
    groups = [{'sid': 'S-1-5-32-544', 'attributes': 'Group used for deny only'}, {'sid': 'S-1-16-8192', 'attributes': ''}]
    result = _catalogue.enrich(ev.admin_rights({'user': 'CML2\\installer', 'groups': groups, 'errors': {}}))
    assert 'remote UAC' in result['detail']
    assert ('reg add HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System /v LocalAccountTokenFilterPolicy '
            '/t REG_DWORD /d 1 /f') in result['remediation']


def test_share_server_not_answering_on_445_fails_without_waiting_for_smb():
    share = {'path': '\\\\files.lab.test\\safeq-install', 'exists': False, 'listable': False, 'smb_reachable': False,
             'error': 'TCP 445 on files.lab.test did not answer within 3 seconds', 'hresult': None, 'category': None}
    result = ev.shared_folder({'share': share, 'errors': {}})
    assert (result['status'], result['reason']) == ('fail', 'share-unreachable') and 'within 3 seconds' in result['detail']


ADAPTER = [{'description': 'vmxnet3', 'dhcp_enabled': False, 'addresses': ['198.18.0.11', 'fe80::1']}]
GOOD_DNS = {'fqdn': 'cml1.lab.test', 'forward': ['198.18.0.11'], 'forward_error': None,
            'reverse': [{'address': '198.18.0.11', 'names': ['cml1.lab.test'], 'error': None}]}


@pytest.mark.parametrize('dns, declared, expected', [
    (GOOD_DNS, '198.18.0.11', ('pass', 'static-addresses')),
    (GOOD_DNS, None, ('pass', 'static-addresses')),
    (None, None, ('warn', 'dns-unknown')),  # the DNS section failed: the names were not checked, which is no pass
    (GOOD_DNS, '198.18.0.99', ('fail', 'declared-address-missing')),
    (dict(GOOD_DNS, forward=[], forward_error='DNS_ERROR_RCODE_NAME_ERROR,Microsoft.DnsClient.Commands.ResolveDnsName'), None,
     ('warn', 'dns-inconsistent')),
    (dict(GOOD_DNS, forward=['198.18.0.50']), None, ('warn', 'dns-inconsistent')),  # a stale A record
    (dict(GOOD_DNS, reverse=[{'address': '198.18.0.11', 'names': [], 'error': 'DNS_ERROR_RCODE_NAME_ERROR,x'}]), None,
     ('warn', 'dns-inconsistent')),
    (dict(GOOD_DNS, reverse=[{'address': '198.18.0.11', 'names': ['CML1.lab.test.'], 'error': None}]), None,
     ('pass', 'static-addresses')),  # DNS names compare case-insensitively, trailing dot or not
])
def test_ip_addresses_and_dns(dns, declared, expected):
    result = ev.ip_addresses_prepared({'adapters': ADAPTER, 'dns': dns, 'errors': {}}, declared)
    assert (result['status'], result['reason']) == expected


def test_dhcp_and_dns_problems_are_both_told():
    adapters = [dict(ADAPTER[0], dhcp_enabled=True)]
    result = ev.ip_addresses_prepared({'adapters': adapters, 'dns': dict(GOOD_DNS, forward=['198.18.0.50']), 'errors': {}})
    assert (result['status'], result['reason']) == ('warn', 'dhcp-address') and '198.18.0.50' in result['detail']


PROFILES = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'lab', 'profiles')


def _profile(name):
    with open(os.path.join(PROFILES, name + '.yml'), encoding='utf-8') as handle:
        return copy.deepcopy(_hotfix_dates.normalise(yaml.safe_load(handle)['probes']['win_server_facts'], TODAY))


def _signed(value):
    return value - (1 << 32)


# 1. Defender: only an invalid namespace or a missing cmdlet means "no Defender".
@pytest.mark.parametrize('detail, expected', [
    ({'hresult': _signed(0x80070005), 'category': 'PermissionDenied', 'error_id': 'HRESULT 0x80070005,Get-MpComputerStatus'},
     ('error', 'defender-unreadable')),   # access denied
    ({'hresult': _signed(0x80041032), 'category': 'OperationTimeout', 'error_id': 'HRESULT 0x80041032,Get-MpComputerStatus',
      'native_error': 'Failed'}, ('error', 'defender-unreadable')),  # WMI call timed out
    ({'hresult': _signed(0x800706BA), 'category': 'NotSpecified', 'error_id': 'HRESULT 0x800706ba,Get-MpComputerStatus'},
     ('error', 'defender-unreadable')),   # RPC server unavailable
    ({}, ('error', 'defender-unreadable')),  # no code at all: nothing proves Defender absent
    ({'hresult': _signed(0x8004100E), 'category': 'MetadataError'}, ('manual', 'defender-unavailable')),
    ({'hresult': -2146233088, 'error_id': 'HRESULT 0x8004100e,Get-MpComputerStatus'}, ('manual', 'defender-unavailable')),
    ({'hresult': -2146233088, 'native_error': 'InvalidNamespace'}, ('manual', 'defender-unavailable')),
    ({'category': 'ObjectNotFound', 'error_id': 'CommandNotFoundException'}, ('manual', 'defender-unavailable')),
])
def test_defender_read_errors_are_not_a_missing_defender(detail, expected):
    facts = {'defender': None, 'av_filters': [], 'errors': {'defender': 'localised text'},
             'error_details': {'defender': dict(detail, message='localised text')}}
    result = ev.antivirus(facts, ev.DEFAULT_POLICY)
    assert (result['status'], result['reason']) == expected
    if expected[0] == 'error' and detail.get('hresult') is not None:
        assert 'HResult 0x%08X' % (detail['hresult'] & 0xFFFFFFFF) in result['detail']


def test_a_stopped_defender_service_is_still_unknown_but_explained():
    facts = {'defender': None, 'av_filters': [], 'errors': {'defender': 'x'},
             'error_details': {'defender': {'message': 'x', 'hresult': _signed(0x800106BA), 'error_id': 'HRESULT 0x800106ba,Get-MpComputerStatus'}}}
    result = ev.antivirus(facts, ev.DEFAULT_POLICY)
    assert (result['status'], result['reason']) == ('error', 'defender-unreadable') and 'service is not running' in result['detail']


def test_a_stopped_defender_service_beside_another_scanner_is_third_party_av():
    stopped = {'message': 'x', 'hresult': _signed(0x800106BA), 'error_id': 'HRESULT 0x800106ba,Get-MpComputerStatus'}
    other = [{'name': 'WdFilter', 'display_name': 'Microsoft antimalware file system filter driver', 'start': 0},
             {'name': 'SentinelMonitor', 'display_name': 'SentinelOne filter', 'start': 0}]
    facts = {'defender': None, 'av_filters': other, 'errors': {'defender': 'x'}, 'error_details': {'defender': stopped}}
    result = _catalogue.enrich(ev.antivirus(facts, ev.DEFAULT_POLICY))
    assert (result['status'], result['reason']) == ('manual', 'third-party-av') and 'SentinelOne filter (SentinelMonitor)' in result['detail']
    assert 'HResult 0x800106BA' in result['detail'] and result['observed'] == ['SentinelMonitor']
    unread = dict(facts, av_filters=None, errors={'defender': 'x', 'av_filters': 'denied'})
    assert ev.antivirus(unread, ev.DEFAULT_POLICY)['reason'] == 'defender-unreadable', 'no filter list: the scanner is unknown'
    defender_only = dict(facts, av_filters=other[:1])
    assert ev.antivirus(defender_only, ev.DEFAULT_POLICY)['reason'] == 'defender-unreadable'


def test_the_many_programs_profile_has_an_unreachable_defender_provider():
    result = ev.antivirus(_profile('many-programs'), ev.DEFAULT_POLICY)
    assert (result['status'], result['reason']) == ('error', 'defender-unreadable') and 'HResult 0x800706BA' in result['detail']


def test_the_no_defender_profile_is_still_a_missing_defender():
    result = ev.antivirus(_profile('no-defender'), ev.DEFAULT_POLICY)
    assert (result['status'], result['reason']) == ('manual', 'third-party-av')


# 2. Pending reboot: every signal a Windows administrator checks.
_QUIET = {'cbs_reboot_pending': False, 'cbs_reboot_in_progress': False, 'cbs_packages_pending': False, 'wu_reboot_required': False,
          'wu_post_reboot_reporting': False, 'file_rename_operations': 0, 'active_computer_name': 'N', 'pending_computer_name': 'N',
          'domain_join_pending': False, 'server_manager_reboot_attempts': False, 'server_component_restart_required': None,
          'update_exe_volatile': None, 'wu_services_pending': 0}


@pytest.mark.parametrize('change, named', [
    ({'server_manager_reboot_attempts': True}, 'CurrentRebootAttempts'),  # after Install-WindowsFeature without -Restart
    ({'server_component_restart_required': '1'}, 'RestartRequired=1'),
    ({'update_exe_volatile': 1}, 'UpdateExeVolatile=1'),
    ({'update_exe_volatile': 2}, 'UpdateExeVolatile=2'),
    ({'wu_services_pending': 1}, 'Services\\Pending'),
    ({'cbs_reboot_pending': True}, 'RebootPending'),
])
def test_each_reboot_signal_alone_is_a_pending_reboot(change, named):
    facts = {'hotfix_basis': 'rollup', 'hotfixes': [{'id': 'KB1', 'installed_on': '2026-11-20'}], 'pending_reboot': dict(_QUIET, **change), 'errors': {}}
    result = ev.security_patches(facts, ev.DEFAULT_POLICY, TODAY)
    assert (result['status'], result['reason']) == ('warn', 'reboot-pending') and named in result['detail']


@pytest.mark.parametrize('change', [{}, {'update_exe_volatile': 0}, {'server_component_restart_required': '0'}])
def test_quiet_reboot_values_are_no_signal(change):
    facts = {'hotfix_basis': 'rollup', 'hotfixes': [{'id': 'KB1', 'installed_on': '2026-11-20'}], 'pending_reboot': dict(_QUIET, **change), 'errors': {}}
    assert ev.security_patches(facts, ev.DEFAULT_POLICY, TODAY)['reason'] == 'patches-recent'


def test_the_not_admin_profile_waits_for_a_restart_after_a_feature_install():
    result = ev.security_patches(_profile('not-admin'), ev.DEFAULT_POLICY, TODAY)
    assert result['status'] == 'warn' and 'CurrentRebootAttempts' in result['detail']
    # its only update is a QFE row (no cumulative update in the servicing store): the patch level is unproven as well
    assert result['reasons'] == ['patch-level-unproven', 'reboot-pending']


# 5. EditionID
@pytest.mark.parametrize('edition', ['', None, '   '])
def test_an_empty_edition_id_is_unknown_never_a_pass(edition):
    facts = _facts('cml1')
    facts['platform']['edition_id'] = edition
    result = ev.supported_platform(facts, ev.DEFAULT_POLICY)
    assert (result['status'], result['reason']) == ('error', 'edition-unknown') and 'EditionID' in result['detail']


@pytest.mark.parametrize('installation', ['', None, '  '])
def test_an_empty_installation_type_on_a_server_is_unknown_never_desktop(installation):
    facts = _facts('cml1')
    facts['platform']['installation_type'] = installation
    result = _catalogue.enrich(ev.supported_platform(facts, ev.DEFAULT_POLICY))
    assert (result['status'], result['reason']) == ('error', 'installation-type-unknown') and 'InstallationType' in result['detail']
    assert 'Server Core' in result['remediation']
    allowed = ev.supported_platform(facts, dict(ev.DEFAULT_POLICY, allow_server_core=True))
    assert allowed['status'] == 'pass', 'with Server Core allowed, the installation type decides nothing'


def test_the_many_programs_profile_lost_its_edition_id():
    result = ev.supported_platform(_profile('many-programs'), ev.DEFAULT_POLICY)
    assert (result['status'], result['reason']) == ('error', 'edition-unknown')


# 7. Ambiguous hotfix dates: never a pass on a date that could be older than the limit.
def _patches(raw, today=TODAY, packages=None, limit=60):
    facts = {'hotfixes': [{'id': 'KB5068787', 'description': 'Security Update', 'installed_on_raw': raw}], 'update_packages': packages,
             'pending_reboot': dict(_QUIET), 'errors': {}}
    return ev.security_patches(_hotfix_dates.normalise(facts, today), dict(ev.DEFAULT_POLICY, patch_max_age_days=limit), today)


# A QFE row alone never passes (no cumulative update in the servicing store: patch-level-unproven); the dates still decide
# between that warning, an ambiguous date and a fail, and the date read is named.
@pytest.mark.parametrize('raw, today, expected, read', [
    ('12.10.2026', TODAY, ('warn', 'patch-level-unproven'), '2026-10-12'),    # de-DE: 12 October, day first, 43 days
    ('12. 10. 2026', TODAY, ('warn', 'patch-level-unproven'), '2026-10-12'),  # cs-CZ: 12 October
    ('10/12/2026', TODAY, ('warn', 'patch-level-unproven'), '2026-10-12'),    # 12 October (43 days); 10 December is in the future
    ('9/10/2026', TODAY, ('warn', 'patch-date-ambiguous'), '2026-10-09'),     # 10 September (75 days) or 9 October (46 days)
    ('5/6/2026', TODAY, ('fail', 'patches-outdated'), '2026-05-06'),          # 6 May or 5 June: both older than 60 days
    ('11/10/2026', TODAY, ('warn', 'patch-level-unproven'), '2026-10-11'),    # 10 November or 11 October: both within 60 days
    ('10/15/2026', TODAY, ('warn', 'patch-level-unproven'), '2026-10-15'),    # unambiguous M/d
])
def test_localised_dates(raw, today, expected, read):
    result = _patches(raw, today)
    assert (result['status'], result['reason']) == expected and read in result['detail'], result['detail']


def test_an_ambiguous_date_names_both_readings():
    result = _patches('9/10/2026')
    assert '2026-09-10' in result['detail'] and '2026-10-09' in result['detail'] and result['observed'] == ['KB5068787']


def test_a_cbs_install_time_settles_an_ambiguous_date():
    # Package_for_KB5068787, installed 2026-09-10 09:41 UTC (FILETIME high/low as the registry returns them, low negative)
    stamp = int((datetime.datetime(2026, 9, 10, 9, 41) - datetime.datetime(1601, 1, 1)).total_seconds()) * 10 ** 7
    low = stamp & 0xFFFFFFFF
    package = {'name': 'Package_for_KB5068787~31bf3856ad364e35~amd64~~20348.4405.1.7', 'current_state': 112,
               'install_time_high': stamp >> 32, 'install_time_low': low - (1 << 32) if low >= 1 << 31 else low}
    result = _patches('9/10/2026', packages=[package])
    assert (result['status'], result['reason']) == ('fail', 'patches-outdated') and '2026-09-10' in result['detail']
    superseded = dict(package, current_state=80)
    assert _patches('9/10/2026', packages=[superseded])['reason'] == 'patch-date-ambiguous', 'only installed packages count'


def _patch_rows(*rows):
    facts = {'hotfixes': [{'id': ident, 'description': 'Update', 'installed_on_raw': raw} for ident, raw in rows],
             'pending_reboot': dict(_QUIET), 'errors': {}}
    return ev.security_patches(_hotfix_dates.normalise(facts, TODAY), dict(ev.DEFAULT_POLICY, patch_max_age_days=60), TODAY)


def test_an_unreadable_date_that_could_be_newer_keeps_an_old_node_from_failing_for_sure():
    result = _patch_rows(('KB1', '5/6/2026'), ('KB2', 'Nov 2026'))  # KB2's date is not understood: it may be the recent one
    assert (result['status'], result['reason']) == ('warn', 'patch-date-unreadable') and "KB2 'Nov 2026'" in result['detail']
    assert 'Update history' in _catalogue.enrich(result)['remediation']


def test_an_unreadable_date_from_an_older_year_keeps_the_fail_and_is_named():
    result = _patch_rows(('KB1', '5/6/2026'), ('KB2', 'Jan 2019'))
    assert (result['status'], result['reason']) == ('fail', 'patches-outdated') and "KB2 'Jan 2019'" in result['detail']


def test_an_unreadable_date_never_makes_a_pass_and_is_named_beside_one():
    result = _patch_rows(('KB1', '11/10/2026'), ('KB2', 'garbage'))
    assert (result['status'], result['reason']) == ('warn', 'patch-level-unproven') and "KB2 'garbage'" in result['detail']


def _package(name, day, state=112):
    stamp = int((datetime.datetime(day.year, day.month, day.day, 9) - datetime.datetime(1601, 1, 1)).total_seconds()) * 10 ** 7
    return {'name': name, 'current_state': state, 'install_time_high': stamp >> 32, 'install_time_low': stamp & 0xFFFFFFFF}


SSU = 'Package_for_ServicingStack_3000~31bf3856ad364e35~amd64~~20348.3000.1.0'
ROLLUP_OLD = 'Package_for_RollupFix~31bf3856ad364e35~amd64~~20348.1000.1.5'
ROLLUP_NEW = 'Package_for_RollupFix~31bf3856ad364e35~amd64~~20348.4405.1.7'


def test_a_recent_servicing_stack_does_not_date_an_old_cumulative_update():
    # the SSU went in last week; the cumulative update after it failed, so the installed one is from May
    packages = [_package(SSU, datetime.date(2026, 11, 20)), _package(ROLLUP_OLD, datetime.date(2026, 5, 1)),
                _package(ROLLUP_NEW, datetime.date(2026, 11, 20), state=5)]  # staged, not installed
    result = _patches('11/20/2026', packages=packages)  # a recent QFE row (the SSU's) does not count either
    assert (result['status'], result['reason']) == ('fail', 'patches-outdated')
    assert ROLLUP_OLD in result['detail'] and '2026-05-01' in result['detail'] and 'cumulative update' in result['detail']


def test_a_recent_cumulative_update_dates_the_node_despite_an_old_servicing_stack():
    packages = [_package(SSU, datetime.date(2026, 3, 1)), _package(ROLLUP_OLD, datetime.date(2026, 5, 1)),
                _package(ROLLUP_NEW, datetime.date(2026, 11, 10))]
    result = _patches('3/1/2026', packages=packages)
    assert (result['status'], result['reason']) == ('pass', 'patches-recent') and ROLLUP_NEW in result['detail']


def test_without_a_cumulative_update_the_servicing_stack_is_left_out():
    # Server 2012 R2 style: KB packages only; a servicing stack package alone never makes the node look patched
    packages = [_package(SSU, datetime.date(2026, 11, 20)), _package('Package_for_KB5000001~31bf3856ad364e35~amd64~~6.3.1.0',
                                                                     datetime.date(2026, 4, 1))]
    result = _patches('', packages=packages)
    assert (result['status'], result['reason']) == ('fail', 'patches-outdated') and 'KB5000001' in result['detail']


# Without an installed Package_for_RollupFix (Server 2012 R2 monthly rollups, or a node patched by KB packages only), the CBS
# Package_for_KB* rows and the QFE rows of a servicing stack update, a .NET rollup or a Secure Boot update look like those of a
# monthly rollup: a recent one of them never proves the patch level.
SSU_KB = 'Package_for_KB5068700~31bf3856ad364e35~amd64~~6.3.1.0'
ROLLUP_KB = 'Package_for_KB5066873~31bf3856ad364e35~amd64~~6.3.1.4'


@pytest.mark.parametrize('description', ['Update', 'Security Update', 'Sicherheitsupdate', ''])
def test_a_recent_ssu_beside_a_year_old_monthly_rollup_never_passes(description):
    packages = [_package(SSU_KB, datetime.date(2026, 10, 13)), _package(ROLLUP_KB, datetime.date(2025, 10, 14))]
    facts = {'hotfixes': [{'id': 'KB5068700', 'description': description, 'installed_on_raw': '10/13/2026'},
                          {'id': 'KB5066873', 'description': 'Security Update', 'installed_on_raw': '10/14/2025'}],
             'update_packages': packages, 'pending_reboot': dict(_QUIET), 'errors': {}}
    result = _catalogue.enrich(ev.security_patches(_hotfix_dates.normalise(facts, TODAY), ev.DEFAULT_POLICY, TODAY))
    assert (result['status'], result['reason']) == ('warn', 'patch-level-unproven'), result['detail']
    assert 'KB5068700 (2026-10-13)' in result['detail'] and 'servicing stack' in result['detail']
    assert 'monthly rollup' in result['remediation'] and 'safeq_windows_update_search' in result['remediation']


def test_only_qfe_rows_never_pass_however_recent():
    # a .NET Framework rollup or a Secure Boot DBX update last week, the OS rollup a year ago; no CBS data (an older gather)
    result = _patch_rows(('KB5066873', '10/14/2025'), ('KB5071952', '11/20/2026'))
    assert (result['status'], result['reason']) == ('warn', 'patch-level-unproven') and 'KB5071952 (2026-11-20, Update)' in result['detail']


def test_without_a_cumulative_update_everything_old_still_fails():
    packages = [_package(SSU_KB, datetime.date(2026, 5, 1)), _package(ROLLUP_KB, datetime.date(2025, 10, 14))]
    result = _patches('', packages=packages)
    assert (result['status'], result['reason']) == ('fail', 'patches-outdated') and 'KB5068700' in result['detail']


def test_facts_without_a_basis_are_not_taken_for_a_cumulative_update():
    facts = {'hotfixes': [{'id': 'KB1', 'installed_on': '2026-11-20'}], 'pending_reboot': dict(_QUIET), 'errors': {}}
    assert ev.security_patches(facts, ev.DEFAULT_POLICY, TODAY)['reason'] == 'patch-level-unproven'
    assert ev.security_patches(dict(facts, hotfix_basis='rollup'), ev.DEFAULT_POLICY, TODAY)['reason'] == 'patches-recent'


def test_an_unproven_patch_level_and_a_pending_reboot_are_both_named():
    facts = {'hotfixes': [{'id': 'KB1', 'installed_on': '2026-11-20'}], 'pending_reboot': dict(_QUIET, cbs_reboot_pending=True), 'errors': {}}
    result = ev.security_patches(facts, ev.DEFAULT_POLICY, TODAY)
    assert result['reasons'] == ['patch-level-unproven', 'reboot-pending'] and 'RebootPending' in result['detail']
    ambiguous = _patches('9/10/2026')
    assert ambiguous['reasons'] == ['patch-date-ambiguous', 'patch-level-unproven']


def test_the_2012_r2_profile_with_a_recent_ssu_does_not_pass():
    facts = _profile('ssu-server2012r2')
    assert facts['hotfix_basis'] == 'packages' and [h['id'] for h in facts['hotfixes']][:2] == ['KB5068700', 'KB5066873']
    result = ev.security_patches(facts, ev.DEFAULT_POLICY, TODAY)
    assert (result['status'], result['reason']) == ('warn', 'patch-level-unproven'), result['detail']
    # the rolled-back November rollup (CurrentState 5) dates nothing; with a limit the SSU misses too, the node fails
    assert ev.security_patches(facts, dict(ev.DEFAULT_POLICY, patch_max_age_days=30), TODAY)['reason'] == 'patches-outdated'


def test_the_cml2_node_is_dated_by_its_servicing_store():
    facts = _facts('cml2')
    assert facts['hotfixes'][0]['source'] == 'cbs' and facts['hotfixes'][0]['installed_on'] == '2026-01-10'
    assert ev.security_patches(facts, ev.DEFAULT_POLICY, TODAY)['reason'] == 'patches-outdated'


# 8. Clock advisory and the optional Windows Update search.
@pytest.mark.parametrize('node_offset, window, expected', [
    (0, (1000.0, 1002.0), ('pass', 'clock-in-sync')),
    (59, (1000.0, 1000.5), ('pass', 'clock-in-sync')),
    (90, (1000.0, 1000.5), ('warn', 'clock-offset')),
    (-90, (1000.0, 1000.5), ('warn', 'clock-offset')),
    # a slow run: the node may have read its clock late in it (in sync) or early (90 s ahead): unprovable, never a pass
    (90, (1000.0, 1040.0), ('warn', 'clock-window-too-wide')),
    (30, (1000.0, 1100.0), ('warn', 'clock-window-too-wide')),
    (0, (1000.0, 1060.0), ('pass', 'clock-in-sync')),  # within the limit for every moment of a window as wide as the limit
    (10, (1000.0, 1070.0), ('pass', 'clock-in-sync')),  # offset between -60 s and +10 s: within the limit throughout
])
def test_clock_offset(node_offset, window, expected):
    facts = {'clock': {'utc_epoch_ms': int((window[0] + node_offset) * 1000)}, 'errors': {}}
    result = _catalogue.enrich(ev.clock_offset(facts, window, ev.DEFAULT_POLICY))
    assert (result['status'], result['reason']) == expected and result['id'] == 'server.hardware-minimum'
    if expected[1] == 'clock-offset':
        assert ('ahead of' if node_offset > 0 else 'behind') in result['detail'] and 'w32tm' in result['remediation']
    if expected[1] == 'clock-window-too-wide':
        assert 'without the Windows Update search' in result['remediation'] and 'w32tm' in result['remediation']


def test_the_clock_threshold_is_the_sites():
    facts = {'clock': {'utc_epoch_ms': 1030 * 1000}, 'errors': {}}
    assert ev.clock_offset(facts, (1000.0, 1000.0), dict(ev.DEFAULT_POLICY, clock_max_offset_s=10))['status'] == 'warn'
    assert ev.clock_offset({'clock': None, 'errors': {'clock': 'x'}}, (1.0, 2.0), ev.DEFAULT_POLICY)['status'] == 'error'


def test_evaluate_adds_the_clock_only_with_a_window():
    facts = _facts('cml1')
    now = 1795000000.0
    facts['clock'] = {'utc_epoch_ms': int(now * 1000)}
    assert len(ev.evaluate(facts, today=TODAY, share_requested=True)) == 9
    findings = ev.evaluate(facts, today=TODAY, share_requested=True, window=(now - 1, now + 1))
    assert findings[-1]['reason'] == 'clock-in-sync' and len(findings) == 10


SECURITY = '0FA1201D-4330-4FA8-8AE9-B877473B6441'


WU_DEFAULT = {'server': None, 'use_wu_server': None}   # no WSUS policy: the default service (Windows Update / Microsoft Update)
WSUS = {'server': 'http://wsus.corp.example:8530', 'use_wu_server': 1}


@pytest.mark.parametrize('search, expected', [
    ({'result_code': 2, 'wsus': WU_DEFAULT, 'updates': []}, ('pass', 'no-security-updates-missing')),
    ({'result_code': 2, 'wsus': {'server': 'http://wsus:8530', 'use_wu_server': 0}, 'updates': []},
     ('pass', 'no-security-updates-missing')),  # a WUServer set but not in force
    ({'result_code': 2, 'wsus': WSUS, 'updates': []}, ('warn', 'update-search-wsus')),  # only approved updates were searched
    ({'result_code': 2, 'updates': []}, ('warn', 'update-search-source-unknown')),  # the policy not reported: never a pass
    ({'result_code': 2, 'wsus': WU_DEFAULT, 'updates': [{'title': 'Defender definitions', 'kb': ['2267602'], 'severity': '',
                                                        'categories': ['e0789628-ce08-4437-be74-2495b842f43b']}]},
     ('pass', 'no-security-updates-missing')),
    ({'result_code': 2, 'wsus': WU_DEFAULT, 'updates': [{'title': '2026-11 Cumulative Update', 'kb': ['5068787'],
                                                        'severity': 'Critical', 'categories': [SECURITY]}]},
     ('fail', 'security-updates-missing')),
    ({'result_code': 2, 'wsus': WSUS, 'updates': [{'title': 'x', 'kb': ['1'], 'severity': '', 'categories': [SECURITY.lower()]}]},
     ('fail', 'security-updates-missing')),
    ({'result_code': 3, 'wsus': WU_DEFAULT, 'updates': []}, ('error', 'update-search-failed')),  # with errors: not all known
    (None, ('error', 'update-search-failed')),   # offline, WSUS unreachable, timeout: the section failed
])
def test_windows_update_search(search, expected):
    facts = {'windows_update': search, 'errors': {'windows_update': 'Exception from HRESULT: 0x8024402C'} if search is None else {},
             'error_details': {'windows_update': {'message': 'x', 'hresult': _signed(0x8024402C)}} if search is None else {}}
    result = ev.windows_update_search(facts)
    assert (result['status'], result['reason']) == expected and result['id'] == 'server.security-patches'
    if search is None:
        assert 'HResult 0x8024402C' in result['detail']
    if expected[1] == 'security-updates-missing':
        assert result['observed'][0].startswith('KB')
    if expected[1] == 'update-search-wsus':
        assert 'Only updates approved on WSUS http://wsus.corp.example:8530 were searched' in result['detail']
        assert 'WSUS administrator' in _catalogue.enrich(result)['remediation']


def test_the_wsus_profile_is_searched_against_its_wsus_server():
    facts = _profile('de-server2016')
    result = ev.windows_update_search(facts)
    assert (result['status'], result['reason']) == ('fail', 'security-updates-missing')
    assert 'the WSUS server http://wsus.corp.example:8530' in result['detail']


def _searched(profile, timeout, **node_change):
    """The simulated node's win_server_facts answer with the search asked (tests/lab/sim_responders), then evaluated."""
    from tests.lab.sim_responders import win_server_facts as responder  # pylint: disable=import-outside-toplevel
    with open(os.path.join(PROFILES, profile + '.yml'), encoding='utf-8') as handle:
        node = dict(yaml.safe_load(handle), **node_change)
    data = responder.respond(node['probes']['win_server_facts'], {'windows_update_search': True, 'windows_update_timeout': timeout},
                             node=node)
    return data, ev.windows_update_search(data)


def test_a_search_job_that_completes_within_the_timeout_is_read():
    data, result = _searched('de-server2016', 300)  # its job takes 45 s
    assert data['windows_update']['result_code'] == 2 and (result['status'], result['reason']) == ('fail', 'security-updates-missing')


@pytest.mark.parametrize('profile, timeout, change, stopped', [
    ('de-server2016', 30, {}, True),                                     # 45 s against a 30 s timeout
    ('ssu-server2012r2', 300, {}, True),                                 # a hung WSUS: 900 s; the abort takes 2 s
    ('ssu-server2012r2', 300, {'windows_update_abort_seconds': 60}, False),  # the job ignores RequestAbort: no CleanUp
])
def test_a_search_job_past_the_timeout_is_aborted_and_is_an_error_never_an_answer(profile, timeout, change, stopped):
    data, result = _searched(profile, timeout, **change)
    assert data['windows_update'] is None and data['error_details']['windows_update']['exception'] == 'System.TimeoutException'
    assert (result['status'], result['reason']) == ('error', 'update-search-failed') and 'did not finish in time' in result['detail']
    assert 'RequestAbort sent' in result['detail'] and ('cleaned up' in result['detail']) is stopped
    assert '0x80131505' in result['detail']  # COR_E_TIMEOUT named


def test_windows_update_search_only_when_asked():
    assert ev.windows_update_search({'windows_update': None}, requested=False) is None
    missing = ev.windows_update_search({'errors': {}}, requested=True)
    assert missing['status'] == 'error', 'asked for but not reported is no pass'
    timeout = ev.windows_update_search({'windows_update': None, 'errors': {'windows_update': 'did not finish'},
                                        'error_details': {'windows_update': {'message': 'x', 'exception': 'System.TimeoutException'}}})
    assert 'did not finish in time' in timeout['detail']


@pytest.mark.parametrize('make, reason, advice', [
    (lambda: ev.antivirus(_profile('many-programs'), ev.DEFAULT_POLICY), 'defender-unreadable', 'Get-MpComputerStatus must answer'),
    (lambda: ev.supported_platform(_profile('many-programs'), ev.DEFAULT_POLICY), 'edition-unknown', 'Read EditionID on the node'),
    (lambda: _patches('9/10/2026'), 'patch-date-ambiguous', 'Update history, or the CBS log'),
    (lambda: ev.windows_update_search({'windows_update': None, 'errors': {}}), 'update-search-failed', 'runas SYSTEM'),
    (lambda: ev.windows_update_search({'windows_update': {'result_code': 2, 'wsus': WSUS, 'updates': [
        {'title': 'x', 'kb': ['1'], 'severity': 'Critical', 'categories': []}]}}), 'security-updates-missing', 'Install the missing'),
    (lambda: ev.clock_offset({'clock': None, 'errors': {}}, (1000.0, 1001.0), ev.DEFAULT_POLICY), 'clock-unknown', 'w32tm /query'),
])
def test_the_issue_10_findings_take_their_own_advice_from_the_catalogue(make, reason, advice):
    """The evaluators give only the reason; the advice of each is its catalogue variant, not the entry's generic text."""
    result = make()
    assert result['reason'] == reason and not result.get('remediation')
    enriched = _catalogue.enrich(result)
    assert advice in enriched['remediation']
    assert enriched['remediation'] != _catalogue.load().get(result['id'])['remediation']


def _qfe_node(wsus=None, result_code=2, updates=()):
    """A node without an installed cumulative update (QFE rows only), updated 4 days ago, no reboot pending, and the result of
    the optional Windows Update search."""
    return {'hotfix_basis': 'qfe', 'hotfixes': [{'id': 'KB5', 'installed_on': '2026-11-20', 'source': 'wmi'}],
            'pending_reboot': dict(NO_REBOOT), 'errors': {},
            'windows_update': {'result_code': result_code, 'updates': list(updates),
                               'wsus': wsus if wsus is not None else {'server': None, 'use_wu_server': 0}}}


def _patch_row(facts, update_search=True):
    from ansible_collections.safeq.preflight.plugins.plugin_utils.report._report import _merge  # pylint: disable=import-outside-toplevel
    found = [f for f in ev.evaluate(facts, today=TODAY, update_search=update_search) if f['id'] == 'server.security-patches']
    return _merge(found)


def test_a_successful_update_search_with_nothing_missing_proves_the_patch_level_without_a_cumulative_update():
    """Review scenario: no cumulative update (patch-level-unproven) but the search against Microsoft Update found no missing
    security or critical update: the row passes on the search."""
    assert _patch_row(_qfe_node())['status'] == 'pass'
    found = ev.evaluate(_qfe_node(), today=TODAY, update_search=True)
    assert {f['reason'] for f in found if f['id'] == 'server.security-patches'} == {'patches-recent', 'no-security-updates-missing'}
    recent = ev.security_patches(_qfe_node(), ev.DEFAULT_POLICY, TODAY, searched=True)
    assert recent['status'] == 'pass' and 'The Windows Update search found no missing security update.' in recent['detail']
    # without the search, or with a search that failed or went to WSUS, the patch level stays unproven
    assert _patch_row(_qfe_node(), update_search=False)['reason'] == 'patch-level-unproven'
    failed = _patch_row(_qfe_node(result_code=4))
    assert failed['status'] == 'error'
    assert 'patch-level-unproven' in {f['reason'] for f in ev.evaluate(_qfe_node(result_code=4), today=TODAY, update_search=True)}
    wsus = ev.evaluate(_qfe_node(wsus={'server': 'http://wsus1', 'use_wu_server': 1}), today=TODAY, update_search=True)
    assert {f['reason'] for f in wsus if f['id'] == 'server.security-patches'} == {'patch-level-unproven', 'update-search-wsus'}
