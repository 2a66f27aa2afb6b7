# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the inbound ports of a node, from the catalogue's port tables."""

from __future__ import annotations

from ansible_collections.safeq.preflight.plugins.plugin_utils import _catalogue
from ansible_collections.safeq.preflight.plugins.plugin_utils.ports import _inbound_ports


def _ports(features, role='cml'):
    return {(item['proto'], item['port']) for item in _inbound_ports.inbound(features, role)}


def test_ports_follow_the_catalogue_rows_that_end_at_the_role():
    catalogue = _catalogue.load()
    expected = set()
    for entry in catalogue.entries:
        direction = entry.get('direction') or {}
        if 'cml' in direction.get('to', ()) and isinstance(entry.get('ports'), list) and entry['protocol'] in ('tcp', 'udp') \
                and _catalogue.applicability(entry, ['cluster'], 'cml')[0]:
            expected |= {(entry['protocol'], port) for port in entry['ports']}
    assert _ports(['cluster']) == expected and expected


def test_features_add_their_ports():
    assert ('tcp', 389) not in _ports([])
    assert ('tcp', 389) in _ports(['embedded_xerox'])  # internal LDAP for Xerox/Toshiba terminals
    assert ('tcp', 4099) in _ports(['cluster']) and ('tcp', 4099) not in _ports([])


def test_each_port_names_its_entries():
    found = _inbound_ports.inbound(['embedded_xerox'])
    ldap = next(item for item in found if (item['proto'], item['port']) == ('tcp', 389))
    assert ldap['entries'] == ['net.printer-in.tcp-389-internal-ldap']


def test_a_range_row_counts_every_port_of_it():
    """net.printer-in.tcp-5014-5019-km is a range row (ports {from: 5014, to: 5019}): a program holding 5015 must be seen."""
    km = _ports(['embedded_km'])
    assert {('tcp', port) for port in range(5014, 5020)} <= km
    assert ('tcp', 5015) not in _ports([]), 'the range applies only with the Konica Minolta feature'
    entry = next(item for item in _inbound_ports.inbound(['embedded_km']) if (item['proto'], item['port']) == ('tcp', 5015))
    assert entry['entries'] == ['net.printer-in.tcp-5014-5019-km']


def test_a_large_range_or_a_word_is_left_out():
    assert not [item for item in _inbound_ports.inbound(['scan_ftp_passive']) if item['port'] > 1023 and item['port'] == 30000]
