# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
name: vantage_plans
short_description: The vantage plan of every server role in the run, once for the play
version_added: 0.4.0
description:
  - P(safeq.preflight.vantage_plan#filter) for each role of O(server_roles), as a mapping; the network role makes them once for
    the play (C(run_once)) and each node uses its role's plan, instead of one plan per node (docs/pipelines.md, fleet speed).
  - The other options are those of P(safeq.preflight.vantage_plan#filter), which says what the plan holds.
positional: _input
options:
  _input:
    description: Addresses of the SafeQ nodes (the reachable nodes of the play).
    type: list
    elements: str
    required: true
  server_roles:
    description: The server roles to plan for (the roles of the play's nodes).
    type: list
    elements: str
    choices: [cml, ors, crs]
    default: [cml]
  features:
    description: As for P(safeq.preflight.vantage_plan#filter).
    type: list
    elements: str
    default: []
  vantages:
    description: As for P(safeq.preflight.vantage_plan#filter).
    type: dict
    default: {}
  listening:
    description: As for P(safeq.preflight.vantage_plan#filter).
    type: dict
    default: {}
  resets:
    description: As for P(safeq.preflight.vantage_plan#filter).
    type: list
    elements: str
    default: []
  listeners:
    description: As for P(safeq.preflight.vantage_plan#filter).
    type: bool
    default: true
  peers:
    description: As for P(safeq.preflight.vantage_plan#filter).
    type: dict
    default: {}
  firewalls:
    description: As for P(safeq.preflight.vantage_plan#filter).
    type: dict
    default: {}
  ftp_passive_ports:
    description: As for P(safeq.preflight.vantage_plan#filter).
    type: dict
author:
  - safeq.preflight contributors (@safeq-preflight)
"""

EXAMPLES = r"""
- name: Plan the vantage points' probes for the CML and ORS nodes
  ansible.builtin.set_fact:
    plans: >-
      {{ ['10.0.0.11', '10.0.0.12'] | safeq.preflight.vantage_plans(server_roles=['cml', 'ors'],
                                                                  vantages={'printer': groups['safeq_vantage_printer']}) }}
"""

RETURN = r"""
_value:
  description: Server role to its plan, as P(safeq.preflight.vantage_plan#filter) returns it (C(targets), C(sources), C(findings),
    C(evidence), C(nodes)).
  type: dict
  sample: {cml: {targets: {printer: [{host: 10.0.0.11, port: 9100, proto: tcp, entry: net.printer-in.tcp-9100, expect: reachable,
           probe: none, listener: true, listener_missing: null, resets: false}]}, findings: [], sources: [], evidence: {}}}
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.safeq.preflight.plugins.plugin_utils import _catalogue
from ansible_collections.safeq.preflight.plugins.plugin_utils.ports import _port_derive, _port_matrix


def vantage_plans(nodes, features=None, server_roles=None, vantages=None, listening=None, resets=None, listeners=True, peers=None,
                  firewalls=None, ftp_passive_ports=None):
    """See DOCUMENTATION."""
    try:
        catalogue = _port_derive.with_site_ports(_catalogue.load(), ftp_passive_ports)
        return {role: _port_matrix.plan(list(nodes or ()), features or [], role, vantages or {}, listening or {}, resets or [], listeners,
                                        catalogue=catalogue, peers=peers or {}, firewalls=firewalls or {})
                for role in dict.fromkeys(server_roles or ['cml'])}
    except _port_derive.DeriveError as exc:
        raise AnsibleFilterError('safeq.preflight.vantage_plans: %s' % exc) from None


class FilterModule:
    """safeq.preflight filters."""

    def filters(self):
        return {'vantage_plans': vantage_plans}
