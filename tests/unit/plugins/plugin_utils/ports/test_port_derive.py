# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""port_check targets derived from the catalogue's port tables and a site's peers."""

from __future__ import annotations

import pytest

from ansible_collections.safeq.preflight.plugins.filter.port_targets import port_targets
from ansible_collections.safeq.preflight.plugins.plugin_utils import _catalogue
from ansible_collections.safeq.preflight.plugins.plugin_utils.ports import _port_derive

from ansible.errors import AnsibleFilterError


def _row(entry_id, protocol='tcp', ports=(4099,), to=('cml',), applies_when=(), localhost_only=False, source='cml'):
    return {'id': entry_id, 'implemented_by': 'port_check', 'protocol': protocol, 'ports': list(ports) if isinstance(ports, tuple) else ports,
            'direction': {'from': [source], 'to': list(to)}, 'applies_when': list(applies_when), 'roles': ['cml'], 'localhost_only': localhost_only}


ROWS = [
    _row('r.cluster', applies_when=['cluster']),
    _row('r.always-ldap', ports=(636, 3269), to=('ldap',)),
    _row('r.snmp', protocol='udp', ports=(161,), to=('printer',)),
    _row('r.multicast', protocol='udp-multicast', ports=(5353,), to=('printer',)),
    _row('r.range', ports={'from': 1024, 'to': 65535}, to=('printer',), applies_when=['scan_ftp_active']),
    _row('r.word', ports='dynamic', to=('printer',)),
    _row('r.local', to=('cml',), localhost_only=True),
    _row('r.inbound', to=('cml',), source='printer'),
]
SMALL = _catalogue.Catalogue({'schema_version': 1, 'features': {'cluster': 'a cluster', 'scan_ftp_active': 'active FTP'},
                              'peers': ['cml', 'printer', 'ldap', 'localhost'], 'entries': ROWS})


def test_each_applicable_outbound_row_times_each_peer_address_and_port():
    targets = _port_derive.derive({'ldap': ['dc1', 'dc2'], 'printer': ['p1'], 'cml': ['cml1', 'cml2']}, ['cluster'], catalogue=SMALL,
                                  exclude=['cml1'])
    assert [(t['entry'], t['host'], t['port'], t['proto'], t['probe']) for t in targets] == [
        ('r.cluster', 'cml2', 4099, 'tcp', 'none'),
        ('r.always-ldap', 'dc1', 636, 'tcp', 'none'), ('r.always-ldap', 'dc1', 3269, 'tcp', 'none'),
        ('r.always-ldap', 'dc2', 636, 'tcp', 'none'), ('r.always-ldap', 'dc2', 3269, 'tcp', 'none'),
        ('r.snmp', 'p1', 161, 'udp', 'snmp')]
    # LDAP servers and printers run before SafeQ: their own service must answer; a SafeQ node only has to be reachable
    assert {t['host']: t['expect'] for t in targets} == {'cml2': 'reachable', 'dc1': 'open', 'dc2': 'open', 'p1': 'open'}


def test_rows_of_unused_features_and_peers_without_addresses_are_left_out():
    assert [t['entry'] for t in _port_derive.derive({'ldap': ['dc1']}, [], catalogue=SMALL)] == ['r.always-ldap', 'r.always-ldap']
    assert _port_derive.derive({}, ['cluster', 'scan_ftp_active'], catalogue=SMALL) == []


def test_the_real_catalogue_gives_the_ldap_and_cluster_rows():
    targets = _port_derive.derive({'ldap': ['dc1.example.com'], 'cml': ['cml1', 'cml2']}, ['ldap_replication', 'cluster'], exclude=['cml1'])
    by_entry = {(t['entry'], t['host'], t['port']) for t in targets}
    assert ('net.other.tcp-636-cml-ldap', 'dc1.example.com', 636) in by_entry
    assert ('net.cluster.tcp-4111', 'cml2', 4111) in by_entry and not any(host == 'cml1' for dummy, host, dummy2 in by_entry)
    assert not any(entry == 'net.other.tcp-389-cml-ldap' for entry, dummy, dummy2 in by_entry)  # ldap_plain not used
    catalogue = _catalogue.load()
    assert all(catalogue.get(t['entry'])['implemented_by'] == 'port_check' for t in targets)


@pytest.mark.parametrize('peers, features, message', [
    ({'ldpa': ['dc1']}, [], "peers: unknown peer name 'ldpa' (known: workstation, printer, cml"),
    ({'ldap': 'dc1'}, [], "peers: ldap must be a list of host names or addresses, got 'dc1'"),
    ({'ldap': ['']}, [], 'peers: ldap must be a list'),
    (['dc1'], [], 'peers: must be a mapping'),
    ({'ldap': ['dc1']}, ['ldap_replicaton'], "unknown feature(s) 'ldap_replicaton'"),
])
def test_bad_input_names_the_parameter_and_the_value(peers, features, message):
    with pytest.raises(AnsibleFilterError, match='port_targets: .*' + message.replace('(', r'\(').replace(')', r'\)')):
        port_targets(peers, features)


def test_targets_carry_listener_and_reset_evidence_per_peer_and_address():
    targets = _port_derive.derive({'ldap': ['dc1'], 'cml': ['cml1', 'cml2'], 'printer': ['p1']}, ['cluster'], catalogue=SMALL,
                                  exclude=['cml1'], resets=['ldap'], listening={'CML2': {'tcp/4099': 'ready'}})
    flags = {(t['host'], t['port']): (t['listener'], t['resets']) for t in targets}
    assert flags[('cml2', 4099)] == (True, False)  # a Windows node with a temporary listener
    assert flags[('dc1', 636)] == (False, True)  # a peer known to answer resets
    assert flags[('p1', 161)] == (False, False)  # neither: a reset or silence there proves nothing (manual)
    by_address = _port_derive.derive({'printer': ['p1', 'p2']}, [], catalogue=SMALL, resets=['p2'])
    assert [(t['host'], t['resets']) for t in by_address] == [('p1', False), ('p2', True)]


def test_a_node_listens_on_every_applicable_inbound_port_including_the_local_ones():
    assert _port_derive.inbound_ports(['cluster'], 'cml', catalogue=SMALL) == [{'proto': 'tcp', 'port': 4099}]
    ports = _port_derive.inbound_ports([], 'cml')
    assert {'proto': 'tcp', 'port': 19898} in ports and {'proto': 'tcp', 'port': 80} in ports  # JMX (local) and the web interface
    assert all(item['proto'] in ('tcp', 'udp') for item in ports)
    with pytest.raises(_port_derive.DeriveError, match="unknown feature"):
        _port_derive.inbound_ports(['nope'])


def test_a_small_port_range_is_probed_port_by_port_and_a_large_one_is_not():
    assert _port_derive.ports_of({'ports': {'from': 5014, 'to': 5019}}) == [5014, 5015, 5016, 5017, 5018, 5019]
    assert _port_derive.ports_of({'ports': {'from': 1024, 'to': 65535}}) is None
    assert _port_derive.ports_of({'ports': 'dynamic'}) is None


def test_the_listener_opens_only_the_rows_someone_probes():
    assert _port_derive.inbound_ports([], 'cml', sources=[]) == []
    workstation = _port_derive.inbound_ports([], 'cml', sources=['workstation'])
    assert {'proto': 'tcp', 'port': 80} in workstation and {'proto': 'tcp', 'port': 19898} in workstation  # web, and JMX (least privilege)
    assert {'proto': 'tcp', 'port': 6020} in _port_derive.inbound_ports(['cluster'], 'cml', sources=['cml'])
    assert {'proto': 'tcp', 'port': 19898} not in _port_derive.inbound_ports(['cluster'], 'cml', sources=['cml'])


def test_flows_to_an_ors_or_crs_declared_running_expect_an_answer_without_a_listener():
    """A CRS whose SafeQ service already runs must answer: its flows expect ``open`` (silence or a reset fails), by role or by
    address; a CRS not declared keeps ``reachable`` without a listener (manual unless proved); never any other peer."""
    peers = {'crs': ['198.18.0.8'], 'printer': ['198.18.0.9']}
    plain = [t for t in _port_derive.derive(peers, ['central_reporting']) if t['entry'] == 'net.inter-server.tcp-4139']
    assert plain and {(t['expect'], t['listener'], t['resets']) for t in plain} == {('reachable', False, False)}
    for running in (['crs'], ['198.18.0.8']):
        targets = _port_derive.derive(peers, ['central_reporting', 'online_tracking'], running=running)
        crs = [t for t in targets if t['entry'] == 'net.inter-server.tcp-4139']
        assert crs and {(t['expect'], t['listener'], t['resets']) for t in crs} == {('open', False, False)}
        # the printer's SNMP agent (online tracking) must answer in any case: an existing device (test_existing_devices_...)
        assert {t['expect'] for t in targets if t['host'] == '198.18.0.9'} == {'open'}
    # listeners off: a running CRS is still probed (no listener needed)
    assert [t for t in _port_derive.derive(peers, ['central_reporting'], running=['crs'], listeners=False)
            if t['entry'] == 'net.inter-server.tcp-4139']
    assert not [t for t in _port_derive.derive(peers, ['central_reporting'], listeners=False) if t['entry'] == 'net.inter-server.tcp-4139']


def test_the_declared_passive_ftp_range_gives_the_passive_ftp_row_exactly_those_ports():
    catalogue = _catalogue.load()
    ftp = [p for p in _port_derive.inbound_ports(['scan_ftp_passive'], 'cml') if p['port'] > 1023 and p['port'] >= 50000]
    assert not ftp  # undeclared: 'above 1023' is no port list, the row stays not checked
    site = _port_derive.with_site_ports(catalogue, {'from': 50000, 'to': 50015})
    assert site.get(_port_derive.FTP_PASSIVE)['ports'] == list(range(50000, 50016))
    assert catalogue.get(_port_derive.FTP_PASSIVE)['ports'] == {'from': 1024, 'to': 65535}  # the loaded catalogue is untouched
    ports = _port_derive.inbound_ports(['scan_ftp_passive'], 'cml', catalogue=site)
    assert {p['port'] for p in ports if p['port'] >= 50000} == set(range(50000, 50016))
    assert _port_derive.with_site_ports(catalogue, {}) is catalogue and _port_derive.with_site_ports(catalogue, None) is catalogue
    with pytest.raises(_port_derive.DeriveError, match='ftp_passive_ports: a range of 65 ports'):
        _port_derive.with_site_ports(catalogue, {'from': 50000, 'to': 50064})
    for bad in ({'from': 50000}, {'from': True, 'to': 50001}, 50000, '50000-50015', [50000, 50015]):
        assert _port_derive.ftp_passive_problems(bad)[0].startswith('must be a mapping {from: PORT, to: PORT}'), bad


EXISTING = {'printer': ['198.18.0.21'], 'ldap': ['198.18.0.22'], 'smtp': ['198.18.0.23'], 'db': ['198.18.0.24'],
            'payment_system': ['198.18.0.25'], 'crs': ['198.18.0.26']}


def _every_feature():
    return list(_catalogue.load().features)


# (the database rows are sql_browser_probe's, which asks the SQL Server Browser itself: no port_check flow goes to ``db``)
@pytest.mark.parametrize('peer', ['printer', 'ldap', 'smtp'])
def test_flows_to_an_existing_device_expect_its_own_service_to_answer(peer):
    """Printers, LDAP, SMTP and database servers are in service before SafeQ: their rows expect ``open`` (a reset, ICMP port
    unreachable or silence fails), whatever safeq_peers_answer_resets says, except the rows whose service SafeQ installs."""
    targets = [t for t in _port_derive.derive(EXISTING, _every_feature(), resets=list(EXISTING)) if t['host'] == EXISTING[peer][0]]
    assert targets
    expected = {t['entry']: 'reachable' if t['entry'] in _port_derive.INSTALLED_BY_SAFEQ else 'open' for t in targets}
    assert {t['entry']: t['expect'] for t in targets} == expected
    assert 'open' in expected.values()


def test_the_printer_rows_of_services_safeq_installs_stay_reachable():
    targets = {t['entry']: t['expect'] for t in _port_derive.derive(EXISTING, _every_feature()) if t['host'] == EXISTING['printer'][0]}
    for entry in ('net.to-printer.tcp-9100', 'net.to-printer.tcp-515', 'net.to-printer.udp-161-tracking', 'net.to-printer.tcp-7627-hp'):
        assert targets[entry] == 'open', entry
    for entry in ('net.to-printer.tcp-9100-terminal-pro', 'net.to-printer.tcp-4095', 'net.to-printer.tcp-50001-50003'):
        assert targets[entry] == 'reachable', entry
    catalogue_ids = {entry['id'] for entry in _catalogue.load().entries}
    assert set(_port_derive.INSTALLED_BY_SAFEQ) <= catalogue_ids


@pytest.mark.parametrize('peer', ['payment_system', 'crs'])
def test_flows_to_peers_safeq_installs_keep_reachable(peer):
    targets = [t for t in _port_derive.derive(EXISTING, _every_feature()) if t['host'] == EXISTING[peer][0]]
    assert targets and {t['expect'] for t in targets} == {'reachable'}
