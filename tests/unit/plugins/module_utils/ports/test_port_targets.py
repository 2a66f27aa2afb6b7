# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""port_check target expansion: bad input is a message naming the target and value (the option values: test_option_rules.py)."""

from __future__ import annotations

import pytest

from ansible_collections.safeq.preflight.plugins.module_utils.ports import _port_targets


def test_ports_ranges_and_lists_expand_in_order_without_duplicates():
    targets = [{'host': 'db', 'port': '1433-1435'}, {'host': 'DB', 'port': [1434, '80'], 'proto': 'tcp'},
               {'host': 'db', 'port': 1434, 'proto': 'udp', 'probe': 'ssrp'}]
    probes = _port_targets.expand(targets)
    expected = [('db', 1433, 'tcp'), ('db', 1434, 'tcp'), ('db', 1435, 'tcp'), ('DB', 80, 'tcp'), ('db', 1434, 'udp')]
    assert [(p['host'], p['port'], p['proto']) for p in probes] == expected
    assert [p['id'] for p in probes] == ['p0', 'p1', 'p2', 'p3', 'p4']
    assert probes[0]['server_name'] == 'db' and probes[0]['expect'] == 'open' and probes[4]['probe'] == 'ssrp'


def test_the_same_port_for_two_entries_is_kept_for_each():
    probes = _port_targets.expand([{'host': 'h', 'port': 80, 'entry': 'a'}, {'host': 'h', 'port': 80, 'entry': 'b', 'expect': 'reachable'}])
    assert [(p['entry'], p['expect']) for p in probes] == [('a', 'open'), ('b', 'reachable')]


def test_one_address_under_several_certificate_names_is_probed_once_per_name():
    targets = [{'host': '10.0.0.5', 'port': 443, 'probe': 'tls', 'server_name': 'print.example.com'},
               {'host': '10.0.0.5', 'port': 443, 'probe': 'tls', 'server_name': 'safeq.example.com'},
               {'host': '10.0.0.5', 'port': 443, 'probe': 'tls', 'server_name': 'SAFEQ.example.com'},  # DNS names: case-insensitive
               {'host': '10.0.0.5', 'port': 443, 'probe': 'tls'},
               {'host': '10.0.0.5', 'port': 443, 'probe': 'tls', 'server_name': '10.0.0.5'}]  # the default name is the host
    probes = _port_targets.expand(targets)
    assert [p['server_name'] for p in probes] == ['print.example.com', 'safeq.example.com', '10.0.0.5']


@pytest.mark.parametrize('targets, message', [
    ([], 'targets: the list is empty'),
    ([{'host': 'h', 'port': 0}], 'targets[0].port: 0 is outside 1-65535'),
    ([{'host': 'h', 'port': 80}, {'host': 'h', 'port': 65536}], 'targets[1].port: 65536 is outside 1-65535'),
    ([{'host': 'h', 'port': '90-80'}], "targets[0].port: range '90-80' is reversed (write 80-90)"),
    ([{'host': 'h', 'port': 'http'}], "targets[0].port: 'http' is neither a port number nor a range"),
    ([{'host': 'h', 'port': []}], 'targets[0].port: the list is empty'),
    ([{'host': 'h', 'port': True}], 'targets[0].port: True is not a port number'),
    ([{'host': ' ', 'port': 80}], 'targets[0].host: empty host name'),
    ([{'host': 'h', 'port': 80, 'proto': 'icmp'}], "targets[0].proto: 'icmp' is not one of tcp, udp"),
    ([{'host': 'h', 'port': 80, 'probe': 'snmp'}], "targets[0].probe: 'snmp' is not a tcp probe"),
    ([{'host': 'h', 'port': 443, 'proto': 'udp', 'probe': 'tls'}], "targets[0].probe: 'tls' is not a udp probe"),
    ([{'host': 'h', 'port': 80, 'expect': 'maybe'}], "targets[0].expect: 'maybe' is not one of open, reachable, closed"),
])
def test_bad_targets_name_the_target_and_value(targets, message):
    with pytest.raises(_port_targets.TargetError) as caught:
        _port_targets.expand(targets)
    assert message in str(caught.value)


def test_more_probes_than_the_limit_is_refused_before_any_probe():
    with pytest.raises(_port_targets.TargetError, match='more than 4096 probes'):
        _port_targets.expand([{'host': 'h', 'port': '1-4097'}])
    assert len(_port_targets.expand([{'host': 'h', 'port': '1-4096'}])) == 4096
