# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The report's Windows Firewall section: allow-rule coverage per required port, from the node's firewall facts (a profile)."""

from __future__ import annotations

import copy
import datetime
import json
import os

import jsonschema
import pytest
import yaml

from ansible_collections.safeq.preflight.plugins.module_utils._findings import finding
from ansible_collections.safeq.preflight.plugins.plugin_utils import _catalogue
from ansible_collections.safeq.preflight.plugins.plugin_utils.ports import _inbound_ports, _port_matrix
from ansible_collections.safeq.preflight.plugins.plugin_utils.report import _report, _report_html

TODAY = datetime.date(2026, 11, 24)
SCHEMA = os.path.join(os.path.dirname(_catalogue.DEFAULT_PATH), 'report.schema.json')
PROFILE = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'lab', 'profiles', 'ssu-server2012r2.yml')
RUN = {'started': 's', 'finished': 'f', 'collection_version': '0.1.0', 'ansible_core_version': '2.19', 'check_mode': False,
       'inventory_hosts': ['r2', 'bare'], 'features': [], 'fail_on': 'fail'}


@pytest.fixture(scope='module')
def catalogue():
    return _catalogue.load()


def _firewall():
    with open(PROFILE, encoding='utf-8') as handle:
        return yaml.safe_load(handle)['probes']['win_server_facts']['firewall']


def _report_of(catalogue, firewall):
    results = {
        'r2': {'server_role': 'cml', 'reachable': True, 'message': '', 'ran': ['server_check', 'port_check'], 'firewall': firewall,
               'findings': [finding('net.ws-in.tcp-80-443', 'pass', 'open', 'probed from vp1')]},
        'bare': {'server_role': 'cml', 'reachable': True, 'message': '', 'ran': ['server_check'], 'findings': []},
    }
    return _report.build_report(results, catalogue, [], [], [], 'fail', RUN, TODAY)


def test_the_section_lists_the_covering_rules_of_each_required_port(catalogue):
    report = _report_of(catalogue, _firewall())
    with open(SCHEMA, encoding='utf-8') as handle:
        jsonschema.validate(report, json.load(handle))
    assert report['schema_version'] == '2.1'
    section = report['hosts'][0]['firewall_coverage']
    assert section['profiles_in_force'] == ['Domain'] and section['note'] == ''
    ports = {(item['proto'], item['port']): item for item in section['ports']}
    http, https = ports[('tcp', 80)]['profiles'][0], ports[('tcp', 443)]['profiles'][0]
    assert http['state'] == 'not-allowed' and 'limited to its program System' in http['limited'][0]
    assert https['state'] == 'allowed' and https['allow'] == ['"HTTPS-In" ({6c1e0f2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b}, Local)']
    assert ports[('tcp', 80)]['entries'] == ['net.ws-in.tcp-80-443']  # the port row the section explains
    assert report['hosts'][1]['firewall_coverage'] is None  # no firewall facts: no section, never "not allowed"


def test_the_ports_are_the_port_conflict_set_without_the_least_privilege_rows(catalogue):
    advised = {(proto, port) for proto, port, dummy in _port_matrix.advisory_ports(['embedded_km'], 'cml', catalogue)}
    listening = {(item['proto'], item['port']) for item in _inbound_ports.inbound(['embedded_km'], 'cml', catalogue)}
    assert advised <= listening and ('tcp', 80) in advised and ('tcp', 5015) in advised
    assert ('tcp', 19898) in listening and ('tcp', 19898) not in advised  # JMX: localhost only, no allow rule wanted


def test_the_section_changes_no_row(catalogue):
    with_fw, without = _report_of(catalogue, _firewall()), _report_of(catalogue, None)
    assert with_fw['summary'] == without['summary']
    assert [row['status'] for row in with_fw['hosts'][0]['entries']] == [row['status'] for row in without['hosts'][0]['entries']]


def test_the_html_shows_the_section_only_with_facts(catalogue):
    html = _report_html.render_html(_report_of(catalogue, _firewall()))
    assert 'Windows Firewall: inbound allow rules per required port (advisory)' in html
    assert 'not counted: &quot;World Wide Web Services (HTTP Traffic-In)&quot;' in html and 'HTTPS-In' in html
    unread = copy.deepcopy(_firewall())
    unread['rules'] = None
    assert 'the inbound rules could not be read from the node' in _report_html.render_html(_report_of(catalogue, unread))
    assert 'Windows Firewall: inbound' not in _report_html.render_html(_report_of(catalogue, None))


def test_the_declared_passive_ftp_range_is_listed_port_by_port_under_its_row(catalogue):
    """Ground truth: the site declared SafeQ's passive FTP range 50000-50003 (safeq_ftp_passive_ports) and uses scan_ftp_passive;
    the node has no allow rule for it. preflight_report builds on the catalogue with that range, so the section names each port
    of it under the passive FTP row; without it the row ("above 1023") has no port the section could list."""
    from ansible_collections.safeq.preflight.plugins.plugin_utils.ports import _port_derive  # pylint: disable=import-outside-toplevel
    features = ['scan_ftp', 'scan_ftp_passive']
    site = _port_derive.with_site_ports(catalogue, {'from': 50000, 'to': 50003})
    results = {'r2': {'server_role': 'cml', 'reachable': True, 'message': '', 'ran': ['server_check'], 'firewall': _firewall(), 'findings': []}}
    ports = _report.build_report(results, site, features, [], [], 'fail', dict(RUN, features=features), TODAY)['hosts'][0]['firewall_coverage']['ports']
    passive = [item for item in ports if 'net.printer-in.tcp-above-1023-passive-ftp' in item['entries']]
    assert [item['port'] for item in passive] == [50000, 50001, 50002, 50003]
    assert {item['profiles'][0]['state'] for item in passive} == {'not-allowed'}
    plain = _report.build_report(results, catalogue, features, [], [], 'fail', dict(RUN, features=features), TODAY)
    assert not [item for item in plain['hosts'][0]['firewall_coverage']['ports'] if 'net.printer-in.tcp-above-1023-passive-ftp' in item['entries']]
