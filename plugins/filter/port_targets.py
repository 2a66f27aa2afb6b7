# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
name: port_targets
short_description: Derive port_check targets from the catalogue's port tables and the site's peers
version_added: 0.1.0
description:
  - For a node of O(server_role), every port-table row of the catalogue that applies to the site (O(features)), starts at
    that role and goes to a peer the input names becomes one M(safeq.preflight.port_check) target per address and port,
    with C(entry) set to the row and C(expect) to V(reachable).
  - Before installation nothing listens on the nodes. A target is marked C(listener) when O(listening) gives its address and port
    the state V(ready) (the listener process of M(safeq.preflight.win_port_listener) reported that port listening before any
    probe) and C(resets) when its peer name or address is in
    O(resets) (known to answer TCP resets); without either, a refusal or silence proves nothing and the row ends V(manual).
  - Rows with a range of more than 32 ports or a word (C(dynamic)), multicast rows, rows local to the host and rows whose destination has no
    address are left out; the report shows them as not checked.
  - UDP 161 gets an SNMP probe, UDP 1434 a SQL Browser probe and port 37 a Time probe, so that an answer proves the port.
positional: _input
options:
  _input:
    description:
      - "Peer name to a list of addresses, for example C({ldap: [dc1.example.com], printer: [10.1.2.3], cml: [cml1, cml2]})."
      - Peer names are the catalogue's (C(cml), C(crs), C(ldap), C(smtp), C(printer), C(payment_system) and the others
        C(safeq.preflight.catalogue_info) lists).
    type: dict
    required: true
  features:
    description: Optional features the site uses (as in C(safeq_features)); rows of features not used are left out.
    type: list
    elements: str
    default: []
  server_role:
    description: Server role of the node that probes.
    type: str
    default: cml
    choices: [cml, ors, crs]
  exclude:
    description: Addresses to leave out, usually the probing node's own (a CML node does not probe itself).
    type: list
    elements: str
    default: []
  resets:
    description: Peer names (C(ldap)) or addresses known to answer a TCP reset for a port without a listener (Linux, a Windows
      host with its firewall off or not in stealth mode).
    type: list
    elements: str
    default: []
  listening:
    description:
      - Node address to a mapping of C(PROTO/PORT) (for example C(tcp/6020)) to its state
        (P(safeq.preflight.listener_readiness#filter)). A target is a listener only where
        its port's state is V(ready); any other state is the reason there is none (C(listener_missing)).
    type: dict
    default: {}
  listeners:
    description: V(false) when temporary listeners are off (C(safeq_temporary_listeners)); flows to another SafeQ node that is not
      known to answer resets are then left out (P(safeq.preflight.vantage_plan#filter) reports them as V(skip)).
    type: bool
    default: true
  running:
    description:
      - ORS or CRS servers whose SafeQ service is already installed and running (C(safeq_peers_running)), V(ors), V(crs) or
        their addresses. Flows to them expect the service to answer (C(expect=open)). An answer passes, a reset or silence fails,
        no listener needed.
    type: list
    elements: str
    default: []
author:
  - safeq.preflight contributors (@safeq-preflight)
"""

EXAMPLES = r"""
- name: Probe the port tables from every CML node towards the site's peers
  safeq.preflight.port_check:
    targets: >-
      {{ {'ldap': ['dc1.example.com'], 'smtp': ['mail.example.com'], 'cml': groups['safeq_nodes']}
         | safeq.preflight.port_targets(features=['cluster', 'ldap_replication', 'smtp_delivery'], exclude=[inventory_hostname]) }}
"""

RETURN = r"""
_value:
  description: Targets for M(safeq.preflight.port_check) (host, port, proto, probe, entry, expect).
  type: list
  elements: dict
  sample: [{host: dc1.example.com, port: 636, proto: tcp, probe: none, entry: net.other.tcp-636-cml-ldap, expect: reachable,
            listener: false, resets: true}]
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.safeq.preflight.plugins.plugin_utils.ports import _port_derive


def port_targets(peers, features=None, server_role='cml', exclude=None, resets=None, listening=None, listeners=True, running=None):
    """port_check targets for a node of ``server_role`` (see DOCUMENTATION)."""
    try:
        return _port_derive.derive(peers, features or [], server_role, exclude or [], resets=resets or [], listening=listening or {},
                                   listeners=listeners, running=running or [])
    except _port_derive.DeriveError as exc:
        raise AnsibleFilterError('safeq.preflight.port_targets: %s' % exc) from None


class FilterModule:
    """safeq.preflight filters."""

    def filters(self):
        return {'port_targets': port_targets}
