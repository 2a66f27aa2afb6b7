# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
name: listener_rechecks
short_description: The nodes whose temporary listeners must be re-checked after the probes, once for the play
version_added: 0.4.0
description:
  - The addresses (lower case) of the nodes that a flow judged with a temporary listener did not answer (a state other than
    V(open)), in the port-table probe of any host of O(_input) (its registered C(network_probe)) or in a vantage point's run
    (O(vantage_runs)).
  - Only for those nodes can a verdict depend on whether the listener still stood after every probe; an V(open) flow is judged
    the same with or without one. The network role re-checks their loopback and no other node's.
  - The probes must return every result that did not answer (M(safeq.preflight.port_check) O(safeq.preflight.port_check#module:return_results)
    V(all) or V(unanswered)).
positional: _input, hostvars
options:
  vantage_runs:
    description: The C(results) of the vantage points' port_check loop.
    type: list
    elements: dict
    default: []
extends_documentation_fragment:
  - safeq.preflight.play_hosts
author:
  - safeq.preflight contributors (@safeq-preflight)
"""

EXAMPLES = r"""
- name: Note the nodes whose listeners a flow did not reach, once
  ansible.builtin.set_fact:
    network_listener_doubts: >-
      {{ ansible_play_hosts_all | safeq.preflight.listener_rechecks(hostvars, vantage_runs=network_vantage_probe.results | default([])) }}
  run_once: true
"""

RETURN = r"""
_value:
  description: Node addresses, lower case, sorted; empty when every flow judged with a listener answered.
  type: list
  elements: str
"""

from ansible_collections.safeq.preflight.plugins.plugin_utils.ports import _network_records


def listener_rechecks(hosts, hostvars, vantage_runs=None):
    """See DOCUMENTATION."""
    return _network_records.rechecks(hosts, hostvars, vantage_runs or [])


class FilterModule:
    """safeq.preflight filters."""

    def filters(self):
        return {'listener_rechecks': listener_rechecks}
