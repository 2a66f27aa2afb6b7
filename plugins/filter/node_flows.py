# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
name: node_flows
short_description: A node's own port_check result, with each flow to another node judged by that node's listeners after the probes
version_added: 0.3.0
description:
  - O(_input) is the registered result of M(safeq.preflight.port_check) run on a node towards the other nodes and the peers
    (P(safeq.preflight.port_targets#filter)). A flow judged with a temporary listener at its destination (C(listener)) is
    judged again without one (V(manual) C(listener-missing), expired) when the destination's port no longer answered on that
    node's own loopback after the probes (O(still_listening)). The listener expired or died before the probe arrived, and its
    silence or reset would be a false fail.
  - Only the findings of the rows whose flows changed are judged again; a result without C(results) (skipped, failed,
    unreachable) is returned as it is.
positional: _input
options:
  _input:
    description: The registered result of the node's own port_check.
    type: dict
    required: true
  still_listening:
    description:
      - Node address to its listener states after the probes (P(safeq.preflight.listener_readiness#filter) of the loopback
        probe run after every probe). A destination not named is left as it is.
    type: dict
    default: {}
author:
  - safeq.preflight contributors (@safeq-preflight)
"""

EXAMPLES = r"""
- name: Judge this node's flows with the other nodes' listeners as they stood after the probes
  ansible.builtin.set_fact:
    mine: "{{ node_probe | safeq.preflight.node_flows(still_listening={'198.18.0.12': {'tcp/4111': 'ready'}}) }}"
"""

RETURN = r"""
_value:
  description: The port_check result, C(results) and C(findings) judged again where a destination's listener was gone.
  type: dict
"""

from ansible_collections.safeq.preflight.plugins.plugin_utils import _action
from ansible_collections.safeq.preflight.plugins.plugin_utils.ports import _port_matrix


def node_flows(result, still_listening=None):
    """See DOCUMENTATION."""
    return _port_matrix.recheck_node_flows(result, still_listening or {}, enrich=_action.enrich_findings)


class FilterModule:
    """safeq.preflight filters."""

    def filters(self):
        return {'node_flows': node_flows}
