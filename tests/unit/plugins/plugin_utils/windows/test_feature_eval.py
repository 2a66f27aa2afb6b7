# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the windows_feature_check evaluators."""

from __future__ import annotations

import os

import pytest
import yaml

from ansible_collections.safeq.preflight.plugins.plugin_utils.windows import _feature_eval as ev
from ansible_collections.safeq.preflight.plugins.plugin_utils import _catalogue

NODES = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'lab', 'demo', 'nodes')


def _facts(node):
    with open(os.path.join(NODES, node + '.yml'), encoding='utf-8') as handle:
        return yaml.safe_load(handle)['probes']['win_feature_facts']


def _dynamic(start, count, protos=('tcp', 'udp')):
    return [{'family': family, 'proto': proto, 'start': start, 'count': count} for family in ('ipv4', 'ipv6') for proto in protos]


def _empty(**overrides):
    facts = {'features': [], 'services': [], 'listeners': [], 'software': [], 'excluded_port_ranges': [],
             'dynamic_port_ranges': _dynamic(49152, 16384), 'errors': {}}
    facts.update(overrides)
    return facts


def test_prepared_node_passes():
    assert [(f['id'], f['status']) for f in ev.evaluate(_facts('cml1'))] == [
        ('server.no-web-server-port-80', 'pass'), ('server.no-lpd-with-print-server', 'pass'),
        ('server.no-interfering-software', 'pass'), ('server.no-other-software', 'pass'),
        ('server.required-features', 'manual')]


def test_misconfigured_node():
    found = {f['id']: (f['status'], f['reason']) for f in ev.evaluate(_facts('cml2'))}
    assert found == {
        'server.no-web-server-port-80': ('fail', 'port-80-in-use'),
        'server.no-lpd-with-print-server': ('fail', 'lpd-installed'),
        'server.no-interfering-software': ('fail', 'other-print-solution'),
        'server.no-other-software': ('warn', 'unlisted-software'),
        'server.required-features': ('manual', 'required-features-unlisted'),
    }


def test_http_sys_owner_is_explained():
    facts = _empty(listeners=[{'port': 80, 'address': '0.0.0.0', 'pid': 4, 'process': 'System'}])
    assert 'http.sys' in ev.no_web_server_on_80(facts)['detail']


def test_installed_web_server_not_on_80_is_warn():
    facts = _empty(services=[{'name': 'Tomcat9', 'status': 'Running'}],
                   listeners=[{'port': 443, 'address': '0.0.0.0', 'pid': 900, 'process': 'tomcat9'}])
    result = ev.no_web_server_on_80(facts)
    assert (result['status'], result['reason']) == ('warn', 'web-server-installed')
    assert 'Tomcat9' in result['detail']


def test_listeners_unreadable_is_error():
    result = ev.no_web_server_on_80(_empty(listeners=None, errors={'listeners': 'Get-NetTCPConnection: access denied'}))
    assert (result['status'], result['reason']) == ('error', 'fact-unavailable')


def test_lpd_without_get_windowsfeature_uses_the_service():
    facts = _empty(features=None, services=[{'name': 'LPDSVC', 'status': 'Stopped'}], errors={'features': 'not recognized'})
    assert ev.no_lpd_with_print_server(facts)['status'] == 'fail'
    facts['services'] = []
    result = ev.no_lpd_with_print_server(facts)
    assert result['status'] == 'pass' and 'not recognized' in result['detail']


def test_database_is_warn_print_solution_is_fail():
    db = _empty(software=[{'name': 'PostgreSQL 16', 'version': '16.4'}])
    assert ev.no_interfering_software(db)['reason'] == 'database-present'
    both = _empty(software=[{'name': 'PostgreSQL 16'}, {'name': 'Equitrac Office'}])
    assert ev.no_interfering_software(both)['reason'] == 'other-print-solution'


def test_allowed_software_patterns_are_case_insensitive():
    facts = _empty(software=[{'name': 'Notepad++ (64-bit x64)'}, {'name': '7-Zip 24.08 (x64)'}])
    assert ev.no_other_software(facts)['status'] == 'warn'
    assert ev.no_other_software(facts, ['notepad++*', '7-zip*'])['status'] == 'pass'


@pytest.mark.parametrize('name, is_server', [
    ('Microsoft SQL Server 2019 (64-bit)', True),
    ('Microsoft SQL Server 2008 R2 (64-bit)', True),
    ('Microsoft SQL Server 2005', True),
    ('Microsoft SQL Server 2014 Express LocalDB', True),
    ('Microsoft SQL Server 2012 Native Client', False),
    ('Microsoft SQL Server 2019 T-SQL Language Service', False),
    ('Microsoft SQL Server 2016 Management Objects', False),
    ('Microsoft ODBC Driver 18 for SQL Server', False),
    ('Microsoft System CLR Types for SQL Server 2019', False),
])
def test_sql_server_client_parts_are_not_a_database_server(name, is_server):
    facts = {'software': [{'name': name, 'version': '1', 'publisher': 'Microsoft Corporation'}], 'errors': {}}
    result = ev.no_interfering_software(facts)
    assert (result['reason'] == 'database-present') is is_server, result


# --- present/absent feature lists (server SKUs: ServerManager; client SKUs: optional features) ---------------------

def _server(*pairs):
    return [{'name': name, 'install_state': state, 'source': 'ServerManager'} for name, state in pairs]


def _client(*pairs):
    return [{'name': name, 'install_state': state, 'source': 'OptionalFeature'} for name, state in pairs]


def test_client_optional_features_map_to_server_names():
    states = ev.feature_states(_empty(features=_client(('IIS-WebServerRole', 'Enabled'), ('NetFx3', 'DisabledWithPayloadRemoved'),
                                                       ('Printing-Foundation-LPDPrintService', 'EnablePending'))))
    assert states == {'Web-Server': 'Installed', 'NET-Framework-Core': 'Removed', 'Print-LPD-Service': 'InstallPending'}


def test_client_with_iis_enabled_warns_like_a_server():
    result = ev.no_web_server_on_80(_empty(features=_client(('IIS-WebServerRole', 'Enabled'))))
    assert (result['status'], result['reason']) == ('warn', 'web-server-installed')


def test_pending_lpd_install_on_a_client_fails():
    result = ev.no_lpd_with_print_server(_empty(features=_client(('Printing-Foundation-LPDPrintService', 'EnablePending'))))
    assert (result['status'], result['reason']) == ('fail', 'lpd-installed')


def test_site_absent_list_adds_to_the_checklist_features_never_replaces_them():
    """Ground truth: Web-Server and Print-LPD-Service (with Print-Server) installed, FS-SMB1 too; the site lists only FS-SMB1."""
    facts = _empty(features=_server(('Web-Server', 'Installed'), ('Print-Server', 'Installed'), ('Print-LPD-Service', 'Installed'),
                                    ('FS-SMB1', 'Installed')))
    found = {f['id']: f for f in ev.evaluate(facts, absent=['FS-SMB1'])}
    assert (found['server.no-web-server-port-80']['status'], found['server.no-web-server-port-80']['reason']) == ('warn', 'web-server-installed')
    assert (found['server.no-lpd-with-print-server']['status'], found['server.no-lpd-with-print-server']['reason']) == ('fail', 'lpd-installed')
    assert found['server.no-interfering-software']['observed']['installed'] == ['FS-SMB1']
    facts['listeners'] = [{'port': 80, 'address': '::', 'pid': 4, 'process': 'System'}]
    assert ev.evaluate(facts, absent=[])[0]['status'] == 'fail'


def test_unreadable_features_are_an_error_for_the_web_server_line_not_a_pass():
    """Ground truth: the feature list could not be read; services are readable (no web server service) and nothing is on 80."""
    facts = _empty(features=None, errors={'features': 'Access is denied'})
    result = ev.no_web_server_on_80(facts)
    assert (result['status'], result['reason']) == ('error', 'web-server-unknown')
    assert 'Access is denied' in result['detail']
    # a web server service seen without the features is still a warning (installed, nothing on 80)
    facts['services'] = [{'name': 'W3SVC', 'status': 'Stopped'}]
    assert ev.no_web_server_on_80(facts)['status'] == 'warn'


@pytest.mark.parametrize('function, feature, reason', [
    (ev.no_web_server_on_80, 'Web-Server', 'web-server-removal-pending'),
    (ev.no_lpd_with_print_server, 'Print-LPD-Service', 'lpd-removal-pending'),
])
def test_checklist_feature_removal_pending_a_reboot_is_a_warning(function, feature, reason):
    """Ground truth: the feature is UninstallPending (still installed until the reboot)."""
    facts = _empty(features=_server(('Print-Server', 'Installed'), (feature, 'UninstallPending')))
    result = function(facts)
    assert (result['status'], result['reason']) == ('warn', reason)
    # the LPD service is still there until the reboot: still a warning, not a fail nor a pass
    facts['services'] = [{'name': 'LPDSVC', 'status': 'Running'}] if feature == 'Print-LPD-Service' else []
    assert function(facts)['status'] == 'warn'


def test_required_feature_missing_fails_with_its_state():
    facts = _empty(features=_server(('NET-Framework-Core', 'Removed')))
    result = ev.required_features(facts, present=['net-framework-core'])
    assert (result['status'], result['reason']) == ('fail', 'required-feature-missing')
    assert 'NET-Framework-Core (Removed)' in result['detail']


def test_required_feature_without_client_equivalent_says_so():
    facts = _empty(features=_client(('NetFx3', 'Enabled')))
    result = ev.required_features(facts, present=['Print-Server', 'NET-Framework-Core'])
    assert result['status'] == 'fail' and 'Print-Server (no client equivalent)' in result['detail']
    assert 'NET-Framework-Core' not in result['detail']


def test_site_absent_feature_installed_fails_but_checklist_ones_stay_in_their_entries():
    facts = _empty(features=_server(('FS-SMB1', 'Installed'), ('Web-Server', 'Installed'), ('Print-LPD-Service', 'Installed')))
    result = ev.no_interfering_software(facts, absent=['Web-Server', 'Print-LPD-Service', 'FS-SMB1'])
    assert result['status'] == 'fail' and 'FS-SMB1' in result['detail']
    assert 'Web-Server' not in result['detail'] and 'Print-LPD-Service' not in result['detail']
    assert ev.no_interfering_software(facts)['status'] == 'pass'  # defaults: only the checklist's own entries


def test_uninstall_pending_counts_as_still_installed_and_install_pending_as_not_yet_present():
    facts = _empty(features=_server(('FS-SMB1', 'UninstallPending'), ('NET-Framework-Core', 'InstallPending')))
    result = ev.no_interfering_software(facts, absent=['FS-SMB1'])
    assert result['status'] == 'fail'
    assert result['observed']['installed'] == ['FS-SMB1 (UninstallPending)']
    assert 'NET-Framework-Core (InstallPending)' in ev.required_features(facts, ['NET-Framework-Core'])['detail']
    assert ev.no_interfering_software(_empty(features=_server(('FS-SMB1', 'Available'))), absent=['FS-SMB1'])['status'] == 'pass'


def test_feature_lists_unreadable_is_error_not_pass():
    facts = _empty(features=None, errors={'features': 'The requested operation requires elevation.'})
    result = ev.no_interfering_software(facts, absent=['FS-SMB1'])
    assert (result['status'], result['reason']) == ('error', 'fact-unavailable')
    result = ev.required_features(facts, ['NET-Framework-Core'])
    assert (result['status'], result['reason']) == ('error', 'fact-unavailable')


def test_other_print_solution_outranks_feature_policy():
    facts = _empty(features=_server(('FS-SMB1', 'Installed')), software=[{'name': 'PaperCut MF'}])
    assert ev.no_interfering_software(facts, absent=['FS-SMB1'])['reason'] == 'other-print-solution'


def test_query_names_cover_both_skus():
    server, client = ev.query_names(['web-server', 'Print-Server', 'NET-Framework-Core'])
    assert server == ['NET-Framework-Core', 'Print-Server', 'Web-Server']
    assert client == ['IIS-WebServerRole', 'NetFx3']


@pytest.mark.parametrize('names, unknown', [
    (['Web-Server', 'web-server'], []),
    (['Web-Servr'], ['Web-Servr']),
    (['IIS-WebServerRole'], ['IIS-WebServerRole']),  # client names are not accepted: the lists use ServerManager names
])
def test_unknown_features(names, unknown):
    assert ev.unknown_features(names) == unknown


# --- port conflicts: the inbound ports SafeQ needs on this node ------------------------------------------------------

INBOUND = [{'proto': 'tcp', 'port': 80, 'entries': ['net.a']}, {'proto': 'tcp', 'port': 389, 'entries': ['net.printer-in.tcp-389']},
           {'proto': 'tcp', 'port': 443, 'entries': ['net.b']}, {'proto': 'udp', 'port': 37, 'entries': ['net.time']}]


def _listener(port, pid, process, services=(), proto='tcp', address='0.0.0.0'):
    return {'proto': proto, 'port': port, 'address': address, 'pid': pid, 'process': process, 'services': list(services)}


def test_free_ports_pass():
    facts = _empty(listeners=[_listener(5985, 4, 'System')], domain_role=3)
    assert ev.no_interfering_software(facts, inbound=INBOUND)['status'] == 'pass'


def test_svchost_holder_is_named_with_its_services():
    facts = _empty(listeners=[_listener(37, 1200, 'svchost', ['W32Time', 'Dnscache'], proto='udp')])
    result = ev.no_interfering_software(facts, inbound=INBOUND)
    assert (result['status'], result['reason']) == ('fail', 'port-in-use')
    assert 'UDP 37 (net.time) is held by svchost (pid 1200; services W32Time, Dnscache)' in result['detail']


def test_tcp_listener_does_not_hold_the_udp_port():
    facts = _empty(listeners=[_listener(37, 1200, 'svchost', proto='tcp')])
    assert ev.no_interfering_software(facts, inbound=INBOUND)['status'] == 'pass'


def test_http_sys_on_443_lists_its_reservations_and_bindings():
    facts = _empty(listeners=[_listener(443, 4, 'System')],
                   http_sys={'url_reservations': ['https://+:443/sra_{guid}/', 'http://+:5985/wsman/', 'https://+:4430/x/'],
                             'ssl_bindings': ['0.0.0.0:443', '0.0.0.0:4430']})
    result = ev.no_interfering_software(facts, inbound=INBOUND)
    assert result['status'] == 'fail' and 'http.sys' in result['detail']
    assert 'URL reservations: https://+:443/sra_{guid}/; TLS bindings: 0.0.0.0:443' in result['detail']
    assert '5985' not in result['detail'] and '4430' not in result['detail']


def test_port_80_stays_with_its_own_entry():
    facts = _empty(listeners=[_listener(80, 4, 'System')])
    assert ev.no_interfering_software(facts, inbound=INBOUND)['status'] == 'pass'
    assert ev.no_web_server_on_80(facts)['status'] == 'fail'


@pytest.mark.parametrize('role, fallback, expected', [
    (5, False, ('warn', 'ldap-port-on-domain-controller')),
    (4, False, ('warn', 'ldap-port-on-domain-controller')),
    (5, True, ('fail', 'port-in-use')),  # 390 is taken too: SafeQ has nowhere to go
    (3, False, ('fail', 'port-in-use')),  # a member server's 389 is held by something else
    (None, False, ('fail', 'port-in-use')),  # domain role unknown: not assumed a DC
])
def test_ldap_389_on_a_domain_controller(role, fallback, expected):
    listeners = [_listener(389, 712, 'lsass', ['NTDS', 'Netlogon'])] + ([_listener(390, 900, 'slapd')] if fallback else [])
    result = ev.no_interfering_software(_empty(listeners=listeners, domain_role=role), inbound=INBOUND)
    assert (result['status'], result['reason']) == expected


def test_a_conflict_outranks_a_database_warning_and_both_are_told():
    facts = _empty(listeners=[_listener(443, 2000, 'httpd', ['Apache2.4'])], software=[{'name': 'PostgreSQL 16'}])
    result = ev.no_interfering_software(facts, inbound=INBOUND)
    assert (result['status'], result['reason']) == ('fail', 'port-in-use')
    assert 'PostgreSQL 16' in result['detail'] and result['observed']['problems'] == ['port-in-use', 'database-present']


def test_listeners_unreadable_with_ports_to_check_is_error():
    facts = _empty(listeners=None, errors={'listeners': 'Access denied'})
    assert ev.no_interfering_software(facts, inbound=INBOUND)['status'] == 'error'
    assert ev.no_interfering_software(facts)['status'] == 'pass'  # no port asked: the software alone decides


# --- other software: both hives, per-user installs, services, the site's lists ----------------------------------------

def test_running_print_service_without_an_uninstall_entry_fails():
    facts = _empty(services=[{'name': 'PCAppServer', 'display_name': 'PaperCut Application Server', 'status': 'Running'}])
    result = ev.no_interfering_software(facts)
    assert (result['status'], result['reason']) == ('fail', 'other-print-solution')
    assert 'service "PaperCut Application Server" (Running)' in result['detail']


def test_per_user_install_is_named_with_its_user():
    facts = _empty(software=[{'name': 'Printix Client', 'user_sid': 'S-1-5-21-1-2-3-500'}])
    result = ev.no_interfering_software(facts)
    assert result['status'] == 'fail' and 'Printix Client (per user S-1-5-21-1-2-3-500)' in result['detail']


def test_site_allowlist_exempts_an_agreed_product():
    facts = _empty(software=[{'name': 'PaperCut MF'}],
                   services=[{'name': 'PCAppServer', 'display_name': 'PaperCut Application Server', 'status': 'Running'}])
    assert ev.no_interfering_software(facts, allowed=['PaperCut*'])['status'] == 'pass'
    assert ev.evaluate(facts, allowed_software=['PaperCut*'])[2]['status'] == 'pass'


def test_site_additions_to_the_lists():
    facts = _empty(software=[{'name': 'Acme PrintGuard 4'}, {'name': 'CouchDB 3.3'}])
    assert ev.evaluate(facts)[2]['status'] == 'pass'
    found = ev.evaluate(facts, conflicting_software=['Acme PrintGuard*'], database_software=['CouchDB*'])[2]
    assert (found['status'], found['reason']) == ('fail', 'other-print-solution') and 'CouchDB 3.3' in found['detail']


@pytest.mark.parametrize('display_name, status', [
    ('SQL Server (MSSQLSERVER)', 'warn'),
    ('SQL Server (SQLEXPRESS)', 'warn'),
    ('SQL Server Agent (MSSQLSERVER)', 'pass'),
    ('SQL Server Browser', 'pass'),
    ('SQL Server VSS Writer', 'pass'),
    ('postgresql-x64-16 - PostgreSQL Server 16', 'warn'),
])
def test_database_services(display_name, status):
    facts = _empty(services=[{'name': 'x', 'display_name': display_name, 'status': 'Running'}])
    assert ev.no_interfering_software(facts)['status'] == status


@pytest.mark.parametrize('program', ['Microsoft SQL Server 2012 Native Client', 'Microsoft ODBC Driver 18 for SQL Server',
                                     'Microsoft OLE DB Driver for SQL Server', 'Microsoft SQL Server 2019 T-SQL Language Service'])
def test_sql_client_components_are_not_database_servers(program):
    assert ev.no_interfering_software(_empty(software=[{'name': program}]))['status'] == 'pass'


PROFILES = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'lab', 'profiles')


def _profile(name):
    with open(os.path.join(PROFILES, name + '.yml'), encoding='utf-8') as handle:
        return yaml.safe_load(handle)['probes']['win_feature_facts']


def _km_inbound():
    return [{'proto': 'tcp', 'port': port, 'entries': ['net.printer-in.tcp-5014-5019-km']} for port in range(5014, 5020)]


def test_a_holder_inside_a_port_range_row_fails():
    """Ground truth: a program listens on TCP 5015, inside the Konica Minolta row 5014-5019."""
    holder = {'proto': 'tcp', 'port': 5015, 'address': '0.0.0.0', 'pid': 3120, 'process': 'ScanToFolderAgent', 'services': ['ScanToFolderAgent']}
    found = ev.no_interfering_software(_empty(listeners=[holder]), inbound=_km_inbound())
    assert (found['status'], found['reason']) == ('fail', 'port-in-use')
    assert 'TCP 5015 (net.printer-in.tcp-5014-5019-km) is held by ScanToFolderAgent (pid 3120' in found['detail']


def test_the_many_programs_profile_holds_a_port_of_the_km_range():
    from ansible_collections.safeq.preflight.plugins.plugin_utils.ports import _inbound_ports
    found = ev.no_interfering_software(_profile('many-programs'), inbound=_inbound_ports.inbound(['embedded_km']))
    assert (found['status'], found['reason']) == ('fail', 'port-in-use') and 'TCP 5015' in found['detail']
    assert 'database-present' not in found['observed']['problems'], 'SQL Server client parts are not a database server'


def _ranges(*rows):
    return [dict(zip(('family', 'proto', 'start', 'end', 'administered'), row)) for row in rows]


@pytest.mark.parametrize('ranges, expected', [
    (_ranges(('ipv4', 'tcp', 9602, 9701, False)), ('fail', 'port-excluded')),        # Hyper-V / WinNAT block
    (_ranges(('ipv6', 'tcp', 9696, 9696, False)), ('fail', 'port-excluded')),        # IPv6 only: SafeQ's wildcard bind fails too
    (_ranges(('ipv4', 'tcp', 9600, 9695, False), ('ipv4', 'tcp', 9697, 9800, False)), ('pass', 'none-found')),  # around, not on it
    (_ranges(('ipv4', 'udp', 9602, 9701, False)), ('pass', 'none-found')),        # UDP ranges do not reserve TCP ports
    (_ranges(('ipv4', 'tcp', 9696, 9696, True)), ('warn', 'port-excluded-administered')),  # netsh add excludedportrange: bindable
    (_ranges(('ipv4', 'tcp', 5357, 5357, False)), ('pass', 'none-found')),
])
def test_a_port_inside_an_excluded_range(ranges, expected):
    inbound = [{'proto': 'tcp', 'port': 9696, 'entries': ['net.x']}]
    found = _catalogue.enrich(ev.no_interfering_software(_empty(excluded_port_ranges=ranges), inbound=inbound))
    assert (found['status'], found['reason']) == expected
    if expected[0] != 'pass':
        assert 'TCP 9696' in found['detail'] and '%s TCP %d-%d' % (ranges[0]['family'], ranges[0]['start'], ranges[0]['end']) in found['detail']
    if expected[1] == 'port-excluded':
        assert 'Hyper-V, WinNAT or Docker' in found['detail'] and 'set dynamic' in found['remediation']
    if expected[1] == 'port-excluded-administered':
        assert 'delete excludedportrange' in found['remediation']


def test_unread_excluded_ranges_are_an_error_not_a_free_port():
    facts = _empty(excluded_port_ranges=None, errors={'excluded_port_ranges': 'netsh exited with code 1'})
    found = ev.no_interfering_software(facts, inbound=[{'proto': 'tcp', 'port': 9696, 'entries': ['net.x']}])
    assert (found['status'], found['reason']) == ('error', 'fact-unavailable') and 'netsh exited' in found['detail']


def test_the_win11_profile_has_a_hyper_v_block_over_a_safeq_port():
    from ansible_collections.safeq.preflight.plugins.plugin_utils.ports import _inbound_ports
    found = ev.no_interfering_software(_profile('win11-client'), inbound=_inbound_ports.inbound(['embedded_xerox']))
    assert (found['status'], found['reason']) == ('fail', 'port-excluded')
    assert 'ipv4 TCP 9602-9701' in found['detail'] and 'ipv6 TCP 9602-9701' in found['detail']


def test_no_web_server_rests_not_on_the_listener_alone():
    """Features and services both unreadable: an installed web server that does not listen now cannot be ruled out."""
    facts = _empty(features=None, services=None, errors={'features': 'requires elevation', 'services': 'Cannot open Service Control Manager'})
    found = ev.no_web_server_on_80(facts)
    assert (found['status'], found['reason']) == ('error', 'web-server-unknown')
    assert 'features: requires elevation' in found['detail'] and 'services: Cannot open' in found['detail']
    one_read = ev.no_web_server_on_80(_empty(features=None, errors={'features': 'requires elevation'}))
    assert one_read['status'] == 'error', 'the features are the only sign of a Web-Server role without W3SVC'
    on_80 = ev.no_web_server_on_80(_empty(features=None, services=None, listeners=[
        {'proto': 'tcp', 'port': 80, 'address': '0.0.0.0', 'pid': 4, 'process': 'System', 'services': []}]))
    assert on_80['status'] == 'fail', 'a listener on 80 is a fail whatever else could not be read'


def test_features_alone_cannot_rule_out_a_third_party_web_server():
    """The features were read (no IIS) but the services were not: Apache or nginx would only show as a service."""
    found = ev.no_web_server_on_80(_empty(services=None, errors={'services': 'Cannot open Service Control Manager'}))
    assert (found['status'], found['reason']) == ('error', 'web-server-unknown')
    assert 'services: Cannot open' in found['detail'] and 'features' not in found['detail']


def test_the_not_admin_profile_cannot_rule_out_a_web_server():
    found = ev.no_web_server_on_80(_profile('not-admin'))
    assert (found['status'], found['reason']) == ('error', 'web-server-unknown')


def test_an_unknown_web_server_takes_its_own_advice_from_the_catalogue():
    found = ev.no_web_server_on_80(_empty(features=None, services=None, errors={'features': 'Access denied', 'services': 'Access denied'}))
    assert found['reason'] == 'web-server-unknown'
    assert 'Get-WindowsFeature Web-Server' in _catalogue.enrich(found)['remediation']


@pytest.mark.parametrize('start, count, expected', [
    (49152, 16384, 'pass'),     # the Windows default: 49152-65535
    (1025, 64511, 'warn'),      # lowered by an old installer: 1025-65535
    (9696, 100, 'warn'),        # the port is the first of the range
    (9597, 100, 'warn'),        # the port is the last of the range (start + count - 1)
    (9596, 100, 'pass'),        # the range ends just below the port (port == start + count)
    (9697, 100, 'pass'),        # the range starts just above the port
])
def test_a_port_inside_the_dynamic_range(start, count, expected):
    inbound = [{'proto': 'tcp', 'port': 9696, 'entries': ['net.x']}]
    found = _catalogue.enrich(ev.no_interfering_software(_empty(dynamic_port_ranges=_dynamic(start, count)), inbound=inbound))
    assert found['status'] == expected
    if expected == 'warn':
        assert found['reason'] == 'port-in-dynamic-range'
        assert 'TCP 9696' in found['detail'] and 'ipv4 TCP %d-%d' % (start, start + count - 1) in found['detail']
        assert 'set dynamicport tcp start=49152 num=16384' in found['remediation']


def test_the_dynamic_range_of_the_other_protocol_does_not_count():
    inbound = [{'proto': 'udp', 'port': 9696, 'entries': ['net.x']}]
    facts = _empty(dynamic_port_ranges=_dynamic(49152, 16384, ('udp',)) + _dynamic(1025, 64511, ('tcp',)))
    assert ev.no_interfering_software(facts, inbound=inbound)['status'] == 'pass'
    facts = _empty(dynamic_port_ranges=_dynamic(1025, 64511, ('udp',)) + _dynamic(49152, 16384, ('tcp',)))
    assert ev.no_interfering_software(facts, inbound=inbound)['reason'] == 'port-in-dynamic-range'


def test_unread_dynamic_ranges_are_an_error_not_a_pass():
    facts = _empty(dynamic_port_ranges=None, errors={'dynamic_port_ranges': 'netsh returned 0 numbers, not 2'})
    found = ev.no_interfering_software(facts, inbound=[{'proto': 'tcp', 'port': 9696, 'entries': ['net.x']}])
    assert (found['status'], found['reason']) == ('error', 'fact-unavailable') and 'dynamic_port_ranges' in found['detail']
    assert 'returned 0 numbers' in found['detail']


def test_the_win11_profile_has_a_lowered_dynamic_range():
    from ansible_collections.safeq.preflight.plugins.plugin_utils.ports import _inbound_ports
    found = ev.no_interfering_software(_profile('win11-client'), inbound=_inbound_ports.inbound(['embedded_xerox']))
    assert 'port-in-dynamic-range' in found['reasons'] and 'ipv4 TCP 1025-65535' in found['detail']


# --- baseline software: specific Windows and runtime components, never a whole vendor -------------------------------

@pytest.mark.parametrize('program', [
    'Microsoft SQL Server 2019 (64-bit)', 'Microsoft Exchange Server 2019 Cumulative Update 14',
    'Microsoft SQL Server 2019 Reporting Services', 'Microsoft System Center Configuration Manager Client',
    'Microsoft Visual Studio Code', 'Microsoft .NET SDK 8.0.100 (x64)', 'Microsoft Monitoring Agent',
    'Microsoft 365 Apps for enterprise - en-us', 'Windows Admin Center', 'Microsoft ODBC Driver 18 for SQL Server',
])
def test_other_microsoft_products_are_not_baseline(program):
    """Ground truth: one Microsoft product that is not part of a plain Windows Server is installed."""
    result = ev.no_other_software(_empty(software=[{'name': program}]))
    assert (result['status'], result['observed']) == ('warn', [program])
    assert ev.no_other_software(_empty(software=[{'name': program}]), allowed=[program])['status'] == 'pass'


@pytest.mark.parametrize('program', [
    'Microsoft Visual C++ 2015-2022 Redistributable (x64) - 14.42.34433', 'Microsoft Visual C++ 2010  x64 Redistributable - 10.0.40219',
    'Microsoft Visual C++ 2022 X64 Minimum Runtime - 14.42.34433', 'Microsoft .NET Runtime - 8.0.11 (x64)',
    'Microsoft Windows Desktop Runtime - 8.0.11 (x64)', 'Microsoft ASP.NET Core 8.0.11 - Shared Framework (x64)',
    'Microsoft .NET Framework 4.8.1', 'Microsoft Edge', 'Microsoft Edge WebView2 Runtime', 'Microsoft Defender for Endpoint',
    'PowerShell 7-x64', 'Windows Management Framework 5.1', 'VMware Tools', 'Y Soft SafeQ 6',
])
def test_windows_and_runtime_components_are_baseline(program):
    assert ev.no_other_software(_empty(software=[{'name': program}]))['status'] == 'pass'


@pytest.mark.parametrize('service', ['SQLServerReportingServices', 'ReportServer', 'ReportServer$SQL2016', 'wampapache64'])
def test_stopped_ssrs_or_wamp_is_a_web_server(service):
    """Ground truth: the SSRS / WAMP service exists, stopped; nothing listens on TCP 80; no IIS feature."""
    facts = _empty(services=[{'name': service, 'status': 'Stopped'}])
    result = ev.no_web_server_on_80(facts)
    assert (result['status'], result['reason']) == ('warn', 'web-server-installed') and service in result['detail']
    assert ev._match(service, ev.SERVICES), 'the gather asks Get-Service -Name for it'


def test_lpd_findings_name_the_print_server_role_the_node_shows():
    """Ground truth: Print-Server installed (or not) beside the LPD Service; the report applies the row from node_shows."""
    with_role = _empty(features=_server(('Print-Server', 'Installed'), ('Print-LPD-Service', 'Installed')))
    assert ev.no_lpd_with_print_server(with_role)['node_shows'] == ['print_server_role']
    with_role['features'] = _server(('Print-Server', 'Installed'), ('Print-LPD-Service', 'Available'))
    assert ev.no_lpd_with_print_server(with_role)['node_shows'] == ['print_server_role']
    without = _empty(features=_server(('Print-Server', 'Available'), ('Print-LPD-Service', 'Installed')))
    assert 'node_shows' not in ev.no_lpd_with_print_server(without)


def test_required_features_line_is_manual_without_a_site_list_and_checked_with_one():
    """Ground truth: NET-Framework-Core Installed, Print-Server Available on the node."""
    facts = _empty(features=_server(('NET-Framework-Core', 'Installed'), ('Print-Server', 'Available')))
    result = ev.required_features(facts)
    assert (result['status'], result['reason']) == ('manual', 'required-features-unlisted')
    assert (ev.required_features(facts, ['NET-Framework-Core'])['status']) == 'pass'
    result = ev.required_features(facts, ['NET-Framework-Core', 'print-server'])
    assert (result['status'], result['observed']['missing']) == ('fail', ['Print-Server (Available)'])
    # a required feature is not the interfering-software entry's business
    assert ev.evaluate(facts, present=['Print-Server'])[2]['status'] == 'pass'
