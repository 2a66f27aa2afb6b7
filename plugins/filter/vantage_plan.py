# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
name: vantage_plan
short_description: Plan the port-table flows from the peer networks' vantage points towards the SafeQ nodes
version_added: 0.3.0
description:
  - For every port-table row that applies to the site and ends at a node of O(server_role), and starts at a peer network
    (C(workstation), C(printer), C(terminal_server), C(mps), C(client), C(ap_connector), C(payment_machine),
    C(recharging_station), C(ors), C(crs), C(etcd)), one M(safeq.preflight.port_check) target per node address and port, for the vantage points
    of that network (inventory group C(safeq_vantage_<peer>)), with C(expect=reachable).
  - From the C(workstation) and C(printer) networks, the rows the checklist keeps local or blocked from outside (JMX, RMI,
    the terminal-server port) are probed with C(expect=closed); reachable is a warning with the firewall rule to add.
  - Rows whose network has no vantage point get a V(manual) finding naming the group to add; with O(listeners) false, flows
    to a node that is not known to answer resets get a V(skip) finding instead of a probe.
positional: _input
options:
  _input:
    description: Addresses of the SafeQ nodes of O(server_role).
    type: list
    elements: str
    required: true
  features:
    description: Optional features the site uses.
    type: list
    elements: str
    default: []
  server_role:
    description: Server role of the nodes.
    type: str
    choices: [cml, ors, crs]
    default: cml
  vantages:
    description: Peer network (or inventory group C(safeq_vantage_<peer>), so C(groups) may be given as it is) to the hosts that
      probe from it.
    type: dict
    default: {}
  listening:
    description:
      - Node address to a mapping of C(PROTO/PORT) (for example C(tcp/6020)) to its state
        (P(safeq.preflight.listener_readiness#filter)). A target is a listener only where
        its port's state is V(ready) (the node's listener process reported it listening before any probe); any other state
        is the reason there is none, given to port_check as C(listener_missing).
    type: dict
    default: {}
  resets:
    description: Peer names or addresses known to answer resets.
    type: list
    elements: str
    default: []
  listeners:
    description: Whether temporary listeners are in use (C(safeq_temporary_listeners)).
    type: bool
    default: true
  peers:
    description: Peer name to addresses (as for P(safeq.preflight.port_targets#filter)); rows from a peer network to one of these
      peers (a payment machine to the payment system) are probed from that network's vantage points too.
    type: dict
    default: {}
  firewalls:
    description:
      - Node address to the C(firewall) facts of M(safeq.preflight.win_server_facts) (as M(safeq.preflight.server_check) returns them).
      - They give each least-privilege flow its evidence (C(evidence) in the result; an inbound Block rule covering the port, or the
        firewall off in the profiles in force) and each node its Windows Firewall advisory (V(warn) findings on the inbound rows,
        a Block rule on a port SafeQ needs, or local rules ignored by Group Policy). Without them, a least-privilege port that
        is not reachable ends V(manual).
    type: dict
    default: {}
  ftp_passive_ports:
    description: The site's passive FTP range (C(safeq_ftp_passive_ports)), as for P(safeq.preflight.listener_ports#filter).
    type: dict
author:
  - safeq.preflight contributors (@safeq-preflight)
"""

EXAMPLES = r"""
- name: Plan the vantage points' probes
  ansible.builtin.set_fact:
    plan: "{{ ['10.0.0.11', '10.0.0.12'] | safeq.preflight.vantage_plan(vantages={'printer': groups['safeq_vantage_printer']}) }}"
"""

RETURN = r"""
_value:
  description: C(targets) (peer network to port_check targets), C(sources) (one C({kind, host}) per vantage point to run
    port_check on), C(findings) (rows not probed, V(manual) or V(skip); the firewall advisory) and C(evidence) (what each
    node's firewall facts prove for its least-privilege ports, by C(address|proto/port)).
  type: dict
  sample: {targets: {printer: [{host: 10.0.0.11, port: 9100, proto: tcp, entry: net.printer-in.tcp-9100, expect: reachable,
           probe: none, listener: true, listener_missing: null, resets: false}]}, findings: []}
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.safeq.preflight.plugins.plugin_utils import _catalogue
from ansible_collections.safeq.preflight.plugins.plugin_utils.ports import _port_derive, _port_matrix


def vantage_plan(nodes, features=None, server_role='cml', vantages=None, listening=None, resets=None, listeners=True, peers=None,
                 firewalls=None, ftp_passive_ports=None):
    """See DOCUMENTATION."""
    try:
        catalogue = _port_derive.with_site_ports(_catalogue.load(), ftp_passive_ports)
        return _port_matrix.plan(list(nodes or ()), features or [], server_role, vantages or {}, listening or {}, resets or [], listeners,
                                 catalogue=catalogue, peers=peers or {}, firewalls=firewalls or {})
    except _port_derive.DeriveError as exc:
        raise AnsibleFilterError('safeq.preflight.vantage_plan: %s' % exc) from None


class FilterModule:
    """safeq.preflight filters."""

    def filters(self):
        return {'vantage_plan': vantage_plan}
