# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The bad-input suite: wrong values through ansible-playbook, as a user writes them into an inventory or a task.

Each case runs the real playbook (or a one-task playbook for a module used on its own) against simulated WinRM nodes and
asserts: the run fails; the output names the variable (or option) and the problem; no traceback and no internal class
name; no WinRM command reached a node (the simulator's log); and no report claims a pass. The runs go three at a time.
"""

from __future__ import annotations

import concurrent.futures
import glob
import json
import os
import re

import pytest
import yaml

from tests.lab import lab
from tests.lab.winrm_sim import SimulatedNodes

NODES = sorted(glob.glob(os.path.join(lab.REPO_ROOT, 'tests', 'lab', 'demo', 'nodes', 'cml[12].yml')))
SECRET = 'Sup3r-Secret-value'

# (case id, variables for all hosts, variables for cml2 only, the variable named, the problem named)
SITE = [
    ('features-string', {'safeq_features': 'cluster'}, {}, 'safeq_features', "must be a list of feature names, got 'cluster'"),
    ('features-unknown', {'safeq_features': ['clustr']}, {}, 'safeq_features', "unknown feature 'clustr' (did you mean 'cluster'?)"),
    ('features-dict', {'safeq_features': {'cluster': True}}, {}, 'safeq_features', 'must be a list'),
    ('fail-on', {'safeq_fail_on': 'sometimes'}, {}, 'safeq_fail_on', "'sometimes' is not one of fail, warn, never"),
    ('report-dir-proc', {'safeq_report_dir': '/proc/safeq-reports'}, {}, 'safeq_report_dir', "'/proc/safeq-reports'"),
    ('report-dir-empty', {'safeq_report_dir': ''}, {}, 'safeq_report_dir', 'must be a directory path'),
    ('waiver-no-justification', {'safeq_waivers': [{'id': 'server.admin-rights', 'hosts': ['cml2']}]}, {}, 'safeq_waivers', 'justification'),
    ('waiver-unknown-id', {'safeq_waivers': [{'id': 'server.nope', 'justification': 'x'}]}, {}, 'safeq_waivers', 'server.nope'),
    ('waiver-bad-date', {'safeq_waivers': [{'id': 'server.*', 'justification': 'x', 'expires': '2027-02-30'}]}, {}, 'safeq_waivers', '2027-02-30'),
    ('waiver-string', {'safeq_waivers': 'server.*'}, {}, 'safeq_waivers', 'server.*'),
    ('attestation-bad-date', {'safeq_attestations': [{'id': 'server.external-db-accounts', 'by': 'dba', 'date': '2026-13-01'}]}, {},
     'safeq_attestations', '2026-13-01'),
    ('attestation-unknown-id', {'safeq_attestations': [{'id': 'server.nope', 'by': 'dba', 'date': '2026-11-01'}]}, {},
     'safeq_attestations', 'server.nope'),
    ('nodes-group-empty', {'safeq_nodes_group': 'cml_typo'}, {}, 'safeq_nodes_group', "the inventory group 'cml_typo' has no hosts"),
    ('db-host-missing', {'safeq_features': ['external_db']}, {}, 'safeq_db_host', "not set for host cml1, but safeq_features contains 'external_db'"),
    ('ldap-missing', {'safeq_features': ['ldap_replication']}, {}, 'safeq_ldap_servers and safeq_ldap_base_dns', 'not set for host cml1'),
    ('share-missing', {'safeq_features': ['network_install']}, {}, 'safeq_install_share', 'not set for host cml1'),
    ('peers-unknown', {'safeq_peers': {'smpt': ['mail1']}}, {}, 'safeq_peers', "unknown peer name 'smpt'"),
    ('peers-string', {'safeq_peers': {'smtp': 'mail1'}}, {}, 'safeq_peers', "smtp must be a list of host names or addresses, got 'mail1'"),
    ('peers-list', {'safeq_peers': ['mail1']}, {}, 'safeq_peers', 'must be a mapping of peer name'),
    # a Windows SafeQ server in stealth mode never resets: a reset "from" it comes from a device between (a false pass)
    ('resets-server-role', {'safeq_peers_answer_resets': ['printer', 'ors']}, {}, 'safeq_peers_answer_resets',
     "'ors' is a SafeQ server role"),
    ('resets-node', {'safeq_peers_answer_resets': ['CML2']}, {}, 'safeq_peers_answer_resets', "'CML2' is SafeQ node cml2"),
    ('resets-crs-address', {'safeq_peers': {'crs': ['198.18.0.8']}, 'safeq_peers_answer_resets': ['198.18.0.8']}, {},
     'safeq_peers_answer_resets', "'198.18.0.8' is listed under safeq_peers.crs, a SafeQ server"),
    # only an ORS/CRS already running may be declared so; a node of the run is being installed
    ('running-printer', {'safeq_peers_running': ['printer']}, {}, 'safeq_peers_running', "'printer' is neither ors, crs nor an address"),
    ('running-node', {'safeq_peers_running': ['cml1']}, {}, 'safeq_peers_running', "'cml1' is SafeQ node cml1 of this run"),
    ('running-keyword-node', {'safeq_peers_running': ['crs']}, {'safeq_server_role': 'crs'}, 'safeq_peers_running',
     "'crs' declares every CRS running, but node cml2 of this run is being installed"),
    ('ftp-passive-too-wide', {'safeq_ftp_passive_ports': {'from': 1024, 'to': 65535}}, {}, 'safeq_ftp_passive_ports',
     'a range of 64512 ports'),
    ('ftp-passive-not-a-range', {'safeq_ftp_passive_ports': {'from': 50000}}, {}, 'safeq_ftp_passive_ports',
     "must be a mapping {from: PORT, to: PORT}"),
    ('features-on-one-node', {}, {'safeq_features': ['external_db']}, 'safeq_features', 'host cml2 sets it differently from the run ([])'),
    ('ldap-differs-between-nodes', {}, {'safeq_ldap_servers': ['198.18.0.31']}, 'safeq_ldap_servers',
     'differs between the CML nodes cml1, cml2; the directory is audited once'),
    ('privileged-without-password', {'safeq_ldap_privileged_bind_dn': 'CN=Audit,DC=example,DC=com'}, {},
     'safeq_ldap_privileged_bind_dn and safeq_ldap_privileged_bind_password', 'give both or neither'),
]

# (case id, variable, value) with the problem the message must name; set for all hosts, or for cml2 alone when marked 'host'.
VARIABLES = [
    ('safeq_min_memory_gb', -1, '-1 is outside 0.5-65536'),
    ('safeq_min_memory_gb', 'nan', "'nan' is not a finite number"),
    ('safeq_min_memory_gb', 'inf', "'inf' is not a finite number"),
    ('safeq_min_memory_gb', True, 'True is not a number'),
    ('safeq_min_memory_gb', 'eight', "'eight' is not a number"),
    ('safeq_min_memory_gb', [8], '[8] is not a number'),
    ('safeq_min_os_build', '²', "'²' is not a whole number"),
    ('safeq_min_os_build', '١٤٣٩٣', "'١٤٣٩٣' is not a whole number"),
    ('safeq_min_os_build', 14393.5, '14393.5 is not a whole number'),
    ('safeq_min_os_build', -1, '-1 is outside 0-99999'),
    ('safeq_min_logical_processors', 0, '0 is outside 1-1024'),
    ('safeq_min_logical_processors', False, 'False is not a number'),
    ('safeq_min_disk_free_gb', -20, '-20 is outside 0-1048576'),
    ('safeq_min_disk_free_gb', {'C': 20}, 'is not a number'),
    ('safeq_patch_max_age_days', 0, '0 is outside 1-3650'),
    ('safeq_patch_max_age_days', 100000, '100000 is outside 1-3650'),
    ('safeq_clock_max_offset_s', -5, '-5 is outside 1-86400'),
    ('safeq_clock_max_offset_s', 'a minute', "'a minute' is not a whole number"),
    ('safeq_windows_update_timeout', 5, '5 is outside 10-3600'),
    ('safeq_windows_update_search', 'maybe', "'maybe' is not a boolean"),
    ('safeq_install_dir', 'SafeQ6', "'SafeQ6' is not an absolute Windows path"),
    ('safeq_install_dir', '/opt/safeq', "'/opt/safeq' is not an absolute Windows path"),
    ('safeq_install_dir', '', 'an empty string'),
    ('safeq_install_share', 'C:\\install', 'is not a UNC path'),
    ('safeq_install_share', '\\\\fileserver', 'is not a UNC path'),
    ('safeq_install_share', ['\\\\fs\\share'], 'is not a string'),
    ('safeq_allowed_software', 'PaperCut*', "'PaperCut*' is not a list"),
    ('safeq_allowed_software', ['PaperCut*', ''], 'item 1 is an empty string'),
    ('safeq_allowed_software', {'name': 'PaperCut'}, 'is not a list'),
    ('safeq_allowed_software', [['nested']], 'item 0: ' + "['nested'] is not a string"),
    ('safeq_browser_min_versions', {'safari': '17'}, 'unknown key(s) safari'),
    ('safeq_browser_min_versions', {'edge': '142.x'}, "edge: '142.x' is not a dotted version"),
    ('safeq_supported_os_builds', [20348, 'latest'], 'item 1'),
    ('safeq_supported_os_editions', ['Standard Edition'], "'Standard Edition' is not a Windows EditionID"),
    ('safeq_windows_features_absent', ['Print-LPD'], "unknown Windows feature 'Print-LPD', did you mean 'Print-LPD-Service'?"),
    ('safeq_windows_features_present', 'NET-Framework-Core', "'NET-Framework-Core' is not a list"),
    ('safeq_db_host', '', 'an empty string'),
    ('safeq_db_host', 'sql server.example.com', 'is not a host name or IP address'),
    ('safeq_db_instance', 'SAFEQ_INSTANCE_TOO_LONG', 'is not a SQL Server instance name'),
    ('safeq_db_instance', 'SQL-EXPRESS', 'is not a SQL Server instance name'),
    ('safeq_db_min_version', 'v13', "'v13' is not a dotted version"),
    ('safeq_db_min_version', '13.0.x', "'13.0.x' is not a dotted version"),
    ('safeq_db_timeout', 0, '0 is outside 0.1-60'),
    ('safeq_db_timeout', 'inf', "'inf' is not a finite number"),
    ('safeq_db_dac', 'maybe', "'maybe' is not a boolean"),
    ('safeq_db_probe_from', 'workstation', "'workstation' is not one of node, controller"),
    ('safeq_ldap_servers', 'dc1.example.com', "'dc1.example.com' is not a list"),
    ('safeq_ldap_servers', [], 'the list is empty'),
    ('safeq_ldap_servers', ['dc 1'], "'dc 1' is not a host name"),
    ('safeq_ldap_servers', [''], 'item 0 is an empty string'),
    ('safeq_ldap_port', 70000, '70000 is outside 1-65535'),
    ('safeq_ldap_port', 0, '0 is outside 1-65535'),
    ('safeq_ldap_port', '636/tcp', "'636/tcp' is not a whole number"),
    ('safeq_ldap_security', 'tls', "'tls' is not one of ldaps, starttls, none"),
    ('safeq_ldap_ca_file', '/nonexistent/ldap-ca.pem', "'/nonexistent/ldap-ca.pem' does not exist or is not a file on the controller"),
    ('safeq_ldap_ca_file', '/etc', "'/etc' does not exist or is not a file"),
    ('safeq_ldap_bind_dn', 'safeq', "'safeq' is not a DN, user@domain or DOMAIN"),
    ('safeq_ldap_privileged_bind_dn', 'CN=Auditor,OU=Service,', 'is not a DN'),
    ('safeq_ldap_bind_dn', 'CN=SafeQ,OU=Service,', 'is not a DN'),
    ('safeq_ldap_base_dns', 'OU=Users,DC=example,DC=com', 'is not a list'),
    ('safeq_ldap_base_dns', ['example.com'], "'example.com' is not a DN"),
    ('safeq_ldap_base_dns', [], 'the list is empty'),
    ('safeq_ldap_base_dns', ['OU=Staff,DC=example,DC=com', 'OU=Prague,OU=Staff,DC=example,DC=com'],
     "item 1: 'OU=Prague,OU=Staff,DC=example,DC=com' lies under item 0: 'OU=Staff,DC=example,DC=com'"),
    ('safeq_ldap_directory_type', 'samba', "'samba' is not one of auto, ad, openldap"),
    ('safeq_ldap_validate_certs', 'sometimes', "'sometimes' is not a boolean"),
    ('safeq_ldap_domains', 'example.com', 'is not a list'),
    ('safeq_ldap_domains', ['example .com'], 'is not a domain name'),
    ('safeq_ldap_attributes', {'badge': 'employeeID'}, 'unknown key(s) badge'),
    ('safeq_ldap_attributes', {'card_number': ''}, 'card_number: an empty string'),
    ('safeq_ldap_attributes', ['login'], 'is not a mapping'),
    ('safeq_ldap_attributes', {'card_number': 'employee ID'}, "'employee ID' is not an LDAP attribute name"),
    ('safeq_ldap_thresholds', {'card_number': 150}, 'card_number: 150 is outside 0-100'),
    ('safeq_ldap_thresholds', {'card_number': -5}, 'card_number: -5 is outside 0-100'),
    ('safeq_ldap_thresholds', {'badge': 90}, 'unknown key(s) badge'),
    ('safeq_ldap_thresholds', {'login': 'all'}, "login: 'all' is not a number"),
    ('safeq_ldap_thresholds', 90, 'is not a mapping'),
    ('safeq_port_targets', [{'host': 'smtp1', 'port': 70000}], 'targets[0].port: 70000 is outside 1-65535'),
    ('safeq_port_targets', [{'host': 'smtp1', 'port': 25, 'protocol': 'tcp'}], 'targets[0]: unknown key(s) protocol'),
    ('safeq_port_targets', [{'host': 'smtp1', 'port': '²'}], "targets[0].port: '²' is neither a port number nor a range"),
    ('safeq_port_targets', [{'host': 'smtp1', 'port': 25, 'expect': 'up'}], "targets[0].expect: 'up' is not one of"),
    ('safeq_port_targets', [{'host': 'smtp1', 'port': 25, 'proto': 'icmp'}], "targets[0].proto: 'icmp' is not one of tcp, udp"),
    ('safeq_port_targets', [{'host': '', 'port': 25}], 'targets[0].host: empty host name'),
    ('safeq_port_targets', {'host': 'smtp1', 'port': 25}, 'is not a list'),
    ('safeq_port_targets', ['smtp1:25'], "item 0: 'smtp1:25' is not a mapping"),
    ('safeq_port_timeout', 0, '0 is outside 0.05-60'),
    ('safeq_port_timeout', 'inf', "'inf' is not a finite number"),
    ('safeq_port_timeout', 'slow', "'slow' is not a number"),
    ('safeq_port_retries', 11, '11 is outside 0-10'),
    ('safeq_port_retries', 1.5, '1.5 is not a whole number'),
    ('safeq_port_derive', 'sometimes', "'sometimes' is not a boolean"),
    ('safeq_server_role', 'mps', "'mps' is not one of cml, ors, crs"),
    ('safeq_server_role', ['cml'], "['cml'] is not a string"),
    ('safeq_min_memroy_gb', 4, "not a variable of safeq.preflight (did you mean 'safeq_min_memory_gb'?)"),
    ('safeq_ldap_bind_passwd', 'x', "did you mean 'safeq_ldap_bind_password'?"),
    ('safeq_snmp_community', 'c' * 70, 'longer than 64 characters'),
    ('safeq_min_os_build', None, 'is empty (null)'),
    ('safeq_allowed_software', None, 'is empty (null)'),
    ('safeq_db_dac', {}, '{} is not a boolean'),
    ('safeq_port_derive', [], '[] is not a boolean'),
    ('safeq_db_min_version', 13.1, '13.1 was read as a number: write it in quotes'),
]
# Cases set on cml2 alone (a host or group variable): the message names that host only.
HOST_ONLY = {('safeq_min_memory_gb', '-1'), ('safeq_server_role', '"mps"'), ('safeq_install_share', '"C:\\\\install"'),
             ('safeq_ldap_port', '70000'), ('safeq_port_targets', '["smtp1:25"]')}
SECRETS = [
    ('safeq_ldap_bind_password', [SECRET], 'is not a string'),
    ('safeq_ldap_bind_password', {SECRET: 1}, 'is not a string'),
    ('safeq_ldap_privileged_bind_password', [SECRET], 'is not a string'),
    ('safeq_snmp_community', [SECRET], 'is not a string'),
]

# Modules used on their own: (case id, hosts, module, options, the option named, the problem named)
WIN = 'safeq_nodes'
MODULES = [
    ('server-min-memory', WIN, 'server_check', {'min_memory_gb': -1}, 'min_memory_gb', '-1.0 is outside 0.5-65536'),
    ('server-min-os-build', WIN, 'server_check', {'min_os_build': '²'}, 'min_os_build', '²'),
    ('server-share', WIN, 'server_check', {'share': 'C:\\x'}, 'share', 'is not a UNC path'),
    ('server-install-dir', WIN, 'server_check', {'install_dir': 'SafeQ'}, 'install_dir', 'is not an absolute Windows path'),
    ('server-unknown-option', WIN, 'server_check', {'min_ram_gb': 8}, 'min_ram_gb', 'nvalid options'),
    ('server-browser-unknown', WIN, 'server_check', {'browser_min_versions': {'brave': '1.60'}}, 'browser_min_versions', 'unknown key(s) brave'),
    ('server-builds-negative', WIN, 'server_check', {'supported_builds': [-9600]}, 'supported_builds', '-9600 is outside 0-99999'),
    ('server-patch-age', WIN, 'server_check', {'patch_max_age_days': 0}, 'patch_max_age_days', '0 is outside 1-3650'),
    ('server-clock-negative', WIN, 'server_check', {'clock_max_offset_s': -60}, 'clock_max_offset_s', '-60 is outside 1-86400'),
    ('server-update-timeout', WIN, 'server_check', {'windows_update_timeout': 0}, 'windows_update_timeout', '0 is outside 10-3600'),
    ('features-allowed-empty', WIN, 'windows_feature_check', {'allowed_software': ['']}, 'allowed_software', 'an empty string'),
    ('features-unknown-option', WIN, 'windows_feature_check', {'allowed': ['x']}, 'allowed', 'nvalid options'),
    ('features-unknown-name', WIN, 'windows_feature_check', {'present': ['IIS-WebServerRole']}, 'present', "unknown Windows feature 'IIS-WebServerRole'"),
    ('sql-browser-port', WIN, 'sql_browser_probe', {'host': '198.18.0.20', 'browser_port': 0}, 'browser_port', '0 is outside 1-65535'),
    ('sql-instance-long', WIN, 'sql_browser_probe', {'host': '198.18.0.20', 'instance': 'X' * 40}, 'instance', "'XXXX"),
    ('sql-min-version', WIN, 'sql_browser_probe', {'host': '198.18.0.20', 'min_version': 'latest'}, 'min_version', "'latest'"),
    ('sql-timeout', 'localhost', 'sql_browser_probe', {'host': '127.0.0.1', 'timeout': 0}, "option 'timeout'", '0.0 is outside 0.1-60'),
    ('sql-host-empty', 'localhost', 'sql_browser_probe', {'host': ''}, "option 'host'", 'an empty string'),
    ('port-70000', WIN, 'port_check', {'targets': [{'host': '198.18.0.5', 'port': 70000}]}, 'targets[0].port', '70000 is outside 1-65535'),
    ('port-tls-min-days', WIN, 'port_check', {'targets': [{'host': '198.18.0.5', 'port': 636}], 'tls_min_days': -1}, 'tls_min_days',
     '-1 is outside 0-3650'),
    ('port-superscript', 'localhost', 'port_check', {'targets': [{'host': '127.0.0.1', 'port': '²'}]}, 'targets[0].port', "'²'"),
    ('port-unknown-key', 'localhost', 'port_check', {'targets': [{'host': '127.0.0.1', 'port': 1, 'protocol': 'tcp'}]}, 'protocol',
     'protocol'),
    ('port-retries', 'localhost', 'port_check', {'targets': [{'host': '127.0.0.1', 'port': 1}], 'retries': 11}, 'retries',
     "option 'retries': 11 is outside 0-10"),
    ('server-memory-bool', WIN, 'server_check', {'min_memory_gb': True}, "option 'min_memory_gb'", 'True is not a number'),
    ('features-nested-item', WIN, 'windows_feature_check', {'allowed_software': [['x']]}, "option 'allowed_software'",
     "item ['x'] is not a string"),
    ('ldap-threshold', 'localhost', 'ldap_attribute_check', {'servers': ['127.0.0.1'], 'base_dns': ['dc=x'], 'thresholds': {'login': 150}},
     'thresholds', 'login: 150 is outside 0-100'),
    ('ldap-role', 'localhost', 'ldap_attribute_check', {'servers': ['127.0.0.1'], 'base_dns': ['dc=x'], 'attributes': {'badge': 'x'}},
     'attributes', 'unknown key(s) badge'),
    ('ldap-ca-file', 'localhost', 'ldap_attribute_check', {'servers': ['127.0.0.1'], 'base_dns': ['dc=x'], 'ca_file': '/nonexistent/ca.pem'},
     'ca_file', "'/nonexistent/ca.pem' does not exist"),
    ('ldap-port', 'localhost', 'ldap_attribute_check', {'servers': ['127.0.0.1'], 'base_dns': ['dc=x'], 'port': 70000}, 'port',
     '70000 is outside 1-65535'),
    ('ldap-sample-size', 'localhost', 'ldap_attribute_check', {'servers': ['127.0.0.1'], 'base_dns': ['dc=x'], 'sample_size': -1},
     'sample_size', '-1 is outside 0-1000'),
    ('ldap-base-dn', 'localhost', 'ldap_attribute_check', {'servers': ['127.0.0.1'], 'base_dns': ['example.com']}, 'base_dns',
     "'example.com' is not a DN"),
    ('ldap-password-list', 'localhost', 'ldap_attribute_check', {'servers': ['127.0.0.1'], 'base_dns': ['dc=x'], 'bind_password': [SECRET]},
     'bind_password', "'********' is not a string"),
    ('server-share-list', WIN, 'server_check', {'share': ['\\\\fs\\share']}, 'share', 'is not a string'),
    ('sql-instance-list', WIN, 'sql_browser_probe', {'host': '198.18.0.20', 'instance': ['SAFEQ']}, 'instance', "['SAFEQ'] is not a string"),
]


def _playbook_cases():
    cases = list(SITE)
    for variable, value, problem in VARIABLES + SECRETS:
        shown = json.dumps(value, ensure_ascii=False)
        name = '%s=%s' % (variable, shown[:40])
        if (variable, shown) in HOST_ONLY:
            cases.append((name + '@cml2', {}, {variable: value}, variable, problem))
        else:
            cases.append((name, {variable: value}, {}, variable, problem))
    return cases


PLAYBOOK_CASES = _playbook_cases()


def _run_case(nodes, base, index, case):
    name, common, host_vars, dummy, dummy2 = case
    run_dir = os.path.join(base, 'case%03d' % index)
    os.makedirs(run_dir)
    hosts = nodes.inventory()['all']['children']['safeq_nodes']['hosts']
    hosts = {host: dict(hostvars, **(host_vars if host == 'cml2' else {})) for host, hostvars in hosts.items()}
    all_vars = dict({'safeq_report_dir': os.path.join(run_dir, 'reports')}, **common)
    inventory = lab.write_inventory(os.path.join(run_dir, 'inventory.yml'), hosts, all_vars)
    proc = lab.run_playbook(run_dir, inventory, args=['--check'], timeout=180)
    return proc, os.path.join(run_dir, 'reports', 'safeq-preflight.json')


def _run_module_case(nodes, base, index, case):
    name, hosts, module, options, dummy, dummy2 = case
    run_dir = os.path.join(base, 'module%03d' % index)
    os.makedirs(run_dir)
    playbook = os.path.join(run_dir, 'play.yml')
    with open(playbook, 'w', encoding='utf-8') as handle:
        yaml.safe_dump([{'name': name, 'hosts': hosts, 'gather_facts': False,
                         'tasks': [{'name': 'use the module on its own', 'safeq.preflight.%s' % module: options, 'register': 'out'}]}], handle)
    inventory = dict(nodes.inventory()['all']['children']['safeq_nodes']['hosts'])
    inventory = lab.write_inventory(os.path.join(run_dir, 'inventory.yml'), inventory,
                                    {'ansible_python_interpreter': lab.sys.executable})
    proc = lab.run_playbook(run_dir, inventory, playbook=playbook, args=['-e', 'ansible_connection=local'] if hosts == 'localhost' else [],
                            timeout=180)
    return proc, None


@pytest.fixture(scope='module')
def outcomes(tmp_path_factory):
    """Run every case (three at a time) against two simulated nodes; the WinRM commands each node received."""
    base = str(tmp_path_factory.mktemp('bad-input'))
    with SimulatedNodes(NODES) as nodes:
        with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
            playbook = [pool.submit(_run_case, nodes, base, i, case) for i, case in enumerate(PLAYBOOK_CASES)]
            modules = [pool.submit(_run_module_case, nodes, base, i, case) for i, case in enumerate(MODULES)]
            results = {case[0]: future.result() for case, future in zip(PLAYBOOK_CASES, playbook)}
            results.update({'module:' + case[0]: future.result() for case, future in zip(MODULES, modules)})
        commands = {name: nodes.commands(name) for name in ('cml1', 'cml2')}
    return results, commands


def _assert_clear_failure(proc, named, problem):
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output[-3000:]
    assert named in proc.stdout and problem in proc.stdout, output[-3000:]
    for bad in ('Traceback', '_AnsibleTagged', 'AnsibleUnsafe', "<class '", SECRET):
        assert bad not in output, (bad, output[-3000:])


def test_the_suite_has_at_least_100_cases():
    assert len(PLAYBOOK_CASES) + len(MODULES) >= 100


def test_no_bad_input_ever_reached_a_node(outcomes):
    dummy, commands = outcomes
    assert commands == {'cml1': [], 'cml2': []}


@pytest.mark.parametrize('case', PLAYBOOK_CASES, ids=[case[0] for case in PLAYBOOK_CASES])
def test_a_bad_variable_stops_the_run_before_any_host_with_a_message_naming_it(outcomes, case):
    name, dummy, dummy2, variable, problem = case
    proc, report = outcomes[0][name]
    _assert_clear_failure(proc, variable, problem)
    assert 'The pre-installation check was not started' in proc.stdout
    if name.endswith('@cml2'):
        assert re.search(re.escape(variable) + r': [^|]*' + re.escape(problem) + r'[^|]*\(host cml2\)', proc.stdout), proc.stdout[-2000:]
    assert not os.path.exists(report), 'no report is written, so none can claim a pass'


@pytest.mark.parametrize('case', MODULES, ids=[case[0] for case in MODULES])
def test_a_bad_module_option_is_refused_by_name_before_any_probe(outcomes, case):
    name, dummy, dummy2, dummy3, option, problem = case
    proc, dummy4 = outcomes[0]['module:' + name]
    _assert_clear_failure(proc, option, problem)
    assert '"status": "pass"' not in proc.stdout and "'status': 'pass'" not in proc.stdout


@pytest.mark.parametrize('group_vars, variable, value, message', [
    ('safeq_port_retries: "lots"\n', 'safeq_port_retries', "'lots'", r"safeq_port_retries: [^|]*'lots'[^|]*\(hosts cml1, cml2\)"),
    # the run (the controller) has no feature; the nodes' group says external_db: the database play's group, the report's
    # applicability and the network matrix would each go by another list
    ('safeq_features: [external_db]\nsafeq_db_host: 198.18.0.20\n', 'safeq_features', '[]',
     r"safeq_features: hosts cml1, cml2 set it differently from the run \(\[\]\)"),
], ids=['bad-value', 'features-differ-from-the-run'])
def test_a_bad_variable_of_the_group_safeq_preflight_nodes_stops_the_run_before_any_node(tmp_path, group_vars, variable, value, message):
    """Review scenario: group_vars/safeq_preflight_nodes.yml applies only once add_host has put the nodes in that group,
    after the validate play read their variables; the node play validates them again before any node is contacted, against
    the run's validated site-wide values."""
    run_dir = str(tmp_path)
    os.makedirs(os.path.join(run_dir, 'group_vars'))
    with open(os.path.join(run_dir, 'group_vars', 'safeq_preflight_nodes.yml'), 'w', encoding='utf-8') as handle:
        handle.write(group_vars)
    with SimulatedNodes(NODES) as nodes:
        hosts = nodes.inventory()['all']['children']['safeq_nodes']['hosts']
        inventory = lab.write_inventory(os.path.join(run_dir, 'inventory.yml'), hosts,
                                        {'safeq_report_dir': os.path.join(run_dir, 'reports')})
        proc = lab.run_playbook(run_dir, inventory, args=['--check'], timeout=180)
        commands = {name: nodes.commands(name) for name in ('cml1', 'cml2')}
    _assert_clear_failure(proc, variable, value)
    assert 'The pre-installation check was not started' in proc.stdout
    assert re.search(message, proc.stdout), proc.stdout[-2000:]
    assert commands == {'cml1': [], 'cml2': []}
    assert not os.path.exists(os.path.join(run_dir, 'reports', 'safeq-preflight.json'))


@pytest.mark.parametrize('args, expected', [
    (['--limit', 'cml1'], ("--limit cml1 leaves out localhost", "--limit 'cml1,localhost'")),
    (['--skip-tags', 'always'], ('--skip-tags always skips the validation and the report', 'Skip areas by their tags instead')),
    (['--tags', 'network', '--skip-tags', 'always'], ('--skip-tags always skips the validation and the report',)),
], ids=['limit', 'skip-always', 'tags-and-skip-always'])
def test_a_limit_or_skip_tags_that_leaves_out_the_validation_stops_the_run_by_name_instead_of_ending_green(tmp_path, args, expected):
    """Ground truth: --limit cml1 (or --skip-tags always) skips the validate play (localhost) and would skip the report, so
    before the check the run found no node in safeq_preflight_nodes and ended with exit 0 having checked nothing. It must fail,
    name the cause and the fix, contact no node and write no report."""
    run_dir = str(tmp_path)
    with SimulatedNodes(NODES) as nodes:
        hosts = nodes.inventory()['all']['children']['safeq_nodes']['hosts']
        inventory = lab.write_inventory(os.path.join(run_dir, 'inventory.yml'), hosts,
                                        {'safeq_report_dir': os.path.join(run_dir, 'reports')})
        proc = lab.run_playbook(run_dir, inventory, args=['--check'] + args, timeout=180)
        commands = {name: nodes.commands(name) for name in ('cml1', 'cml2')}
    output = proc.stdout + proc.stderr
    assert proc.returncode == 2, output[-3000:]
    message = ' '.join(proc.stdout.split())
    assert all(text in message for text in expected), output[-3000:]
    assert 'Traceback' not in output
    assert commands == {'cml1': [], 'cml2': []}
    assert not os.path.exists(os.path.join(run_dir, 'reports', 'safeq-preflight.json'))


def test_a_limit_that_keeps_localhost_never_passes_on_the_nodes_it_leaves_out(tmp_path):
    """Ground truth: --limit 'cml1,localhost' leaves cml2 out. cml2 is not contacted, and the report still lists it, as a node
    on which no check ran: its rows are errors and the run is blocked, so a partial run never reads as a site that passed."""
    run_dir = str(tmp_path)
    with SimulatedNodes(NODES) as nodes:
        hosts = nodes.inventory()['all']['children']['safeq_nodes']['hosts']
        inventory = lab.write_inventory(os.path.join(run_dir, 'inventory.yml'), hosts,
                                        {'safeq_report_dir': os.path.join(run_dir, 'reports')})
        proc = lab.run_playbook(run_dir, inventory, args=['--check', '--limit', 'cml1,localhost', '--tags', 'server'], timeout=300)
        commands = {name: nodes.commands(name) for name in ('cml1', 'cml2')}
    output = proc.stdout + proc.stderr
    assert proc.returncode == 2 and 'Traceback' not in output, output[-3000:]
    report = json.loads(open(os.path.join(run_dir, 'reports', 'safeq-preflight.json'), encoding='utf-8').read())
    assert [host['name'] for host in report['hosts']] == ['cml1', 'cml2'] and report['summary']['verdict'] == 'blocked'
    assert commands['cml1'] and commands['cml2'] == []
    left_out = report['hosts'][1]
    assert "no check ran on this host (it failed or was unreachable before the checks started; or the run's --limit cml1,localhost " \
        "left it out)" == left_out['message']
    statuses = {row['status'] for row in left_out['entries']}
    assert 'error' in statuses and 'pass' not in statuses and 'warn' not in statuses, statuses
