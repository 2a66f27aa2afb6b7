# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
name: flow_findings
short_description: One node's findings from the port_check results of every vantage point
version_added: 0.3.0
description:
  - Takes the registered loop of M(safeq.preflight.port_check) runs made from the vantage points (one run per source host,
    towards every node) and judges, per catalogue row, only the flows to O(addresses) (this node's), exactly as port_check does.
    Flows from a peer network to another peer (not a node, for example a payment machine to the payment system) are
    judged for every node. A run that failed or could not reach its vantage point makes its rows V(error) for this node.
  - Adds the planned findings of O(plan) (V(manual) no vantage point, V(skip) listeners disabled) of rows nothing probed.
positional: _input
options:
  _input:
    description: The C(results) of the registered loop (each with C(item) C({kind, host}) and port_check's C(results)).
    type: list
    elements: dict
    required: true
  addresses:
    description: This node's addresses (names) as the targets name it.
    type: list
    elements: str
    required: true
  plan:
    description: The result of P(safeq.preflight.vantage_plan#filter).
    type: dict
    default: {}
  still_listening:
    description:
      - This node's listener states after the vantage points' probes (P(safeq.preflight.listener_readiness#filter) of a second
        loopback probe). A flow judged with a listener whose port no longer answers is judged without one (V(manual)
        C(listener-missing), expired), never as if the listener had been there. Omitted, nothing is re-checked.
    type: dict
author:
  - safeq.preflight contributors (@safeq-preflight)
"""

EXAMPLES = r"""
- name: This node's share of the vantage points' results
  ansible.builtin.set_fact:
    mine: "{{ vantage_probes.results | safeq.preflight.flow_findings(addresses=[ansible_host], plan=vantage) }}"
"""

RETURN = r"""
_value:
  description: Findings (id, status, reason, detail, remediation, source, observed).
  type: list
  elements: dict
"""

from ansible_collections.safeq.preflight.plugins.plugin_utils import _action
from ansible_collections.safeq.preflight.plugins.plugin_utils.ports import _port_matrix


def flow_findings(runs, addresses=None, plan=None, still_listening=None):
    """See DOCUMENTATION."""
    findings = _port_matrix.node_findings(runs or [], addresses or [], plan or {}, peer_flows=True, still_listening=still_listening)
    return _action.enrich_findings(findings)


class FilterModule:
    """safeq.preflight filters."""

    def filters(self):
        return {'flow_findings': flow_findings}
