# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
name: network_nodes
short_description: Every node's address, server role, reachability and Windows Firewall facts, once for the play
version_added: 0.4.0
description:
  - For every host of O(_input), the address the other nodes and the vantage points probe (C(ansible_host), else the name),
    its C(safeq_server_role) (V(cml) when unset), whether no check found it unreachable, and the Windows Firewall facts
    M(safeq.preflight.server_check) gathered (from the run's records, P(safeq.preflight.node_records#filter)).
  - The network role computes it once (C(run_once)) instead of one note per node.
positional: _input, hostvars
options: {}
extends_documentation_fragment:
  - safeq.preflight.play_hosts
author:
  - safeq.preflight contributors (@safeq-preflight)
"""

EXAMPLES = r"""
- name: Note every node once
  ansible.builtin.set_fact:
    network_nodes: "{{ ansible_play_hosts_all | safeq.preflight.network_nodes(hostvars) }}"
  run_once: true
"""

RETURN = r"""
_value:
  description: Host to C({address, role, reachable, firewall}), in the play's order.
  type: dict
"""

from ansible_collections.safeq.preflight.plugins.plugin_utils.ports import _network_records


def network_nodes(hosts, hostvars):
    """See DOCUMENTATION."""
    return _network_records.nodes(hosts, hostvars)


class FilterModule:
    """safeq.preflight filters."""

    def filters(self):
        return {'network_nodes': network_nodes}
