# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
name: network_records
short_description: Every node's network matrix results added to the run's records, once for the play
version_added: 0.4.0
description:
  - Returns the run's records so far (P(safeq.preflight.node_records#filter)) with, for every host of O(_input) that got to
    the port-table probe (its C(network_probe) is registered), its share of the vantage points' flows when its role's plan
    (O(plans)) has sources or findings (P(safeq.preflight.flow_findings#filter), with its own listeners as they stood after
    every probe), then its own port-table probe with each flow to another node judged again by that node's listeners after
    every probe (P(safeq.preflight.node_flows#filter)). That record keeps the result's C(findings) (each finding's C(observed)
    lists every flow), not the flows one by one (C(results)) and their C(summary).
  - Reads each host's C(network_probe), C(network_listener) and C(network_listener_after) as they are, and its
    C(ansible_host) and C(safeq_server_role), from O(hostvars).
positional: _input, hostvars
options:
  hostvars:
    description: Ansible's C(hostvars); the records kept so far are read from C(safeq_preflight_node_results) of C(localhost).
    type: dict
    required: true
  plans:
    description: Server role to its vantage plan (P(safeq.preflight.vantage_plans#filter)).
    type: dict
    default: {}
  vantage_runs:
    description: The C(results) of the vantage points' port_check loop.
    type: list
    elements: dict
    default: []
  derive:
    description: C(safeq_port_derive); without it the vantage points' flows are not recorded.
    type: bool
    default: true
  doubted:
    description:
      - The nodes whose listeners were re-checked after the probes (P(safeq.preflight.listener_rechecks#filter)). A node not in it
        answered every flow judged with its listeners, so nothing of it is judged again. Omitted, every node's re-check counts
        (one that did not run proves nothing).
    type: list
    elements: str
extends_documentation_fragment:
  - safeq.preflight.play_hosts
author:
  - safeq.preflight contributors (@safeq-preflight)
"""

EXAMPLES = r"""
- name: Record the network results once
  ansible.builtin.set_fact:
    safeq_preflight_node_results: >-
      {{ ansible_play_hosts_all | safeq.preflight.network_records(hostvars, plans=network_vantage_plans,
                                                                  vantage_runs=network_vantage_probe.results | default([])) }}
  delegate_to: localhost
  delegate_facts: true
  run_once: true
"""

RETURN = r"""
_value:
  description: Host to its list of C({module, result}) records, the new ones last.
  type: dict
"""

from ansible_collections.safeq.preflight.plugins.plugin_utils import _action
from ansible_collections.safeq.preflight.plugins.plugin_utils.ports import _network_records


def network_records(hosts, hostvars, plans=None, vantage_runs=None, derive=True, doubted=None):
    """See DOCUMENTATION."""
    return _network_records.append(hosts, hostvars, plans or {}, vantage_runs or [], derive, _action.enrich_findings, doubted)


class FilterModule:
    """safeq.preflight filters."""

    def filters(self):
        return {'network_records': network_records}
