# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
name: node_reachable
short_description: Whether no check of this run found the node unreachable
version_added: 0.4.0
description:
  - False when one of the node's results is unreachable, among the records the check roles kept on the controller
    (C(safeq_preflight_node_results) of C(localhost), P(safeq.preflight.node_records#filter)) or those the host appended
    itself to its C(safeq_preflight_results). The later roles skip a node's probes with it (its rows are C(error)
    C(host-unreachable) in the report).
positional: _input, hostvars
options:
  _input:
    description: The host (C(inventory_hostname)).
    type: str
    required: true
  hostvars:
    description: Ansible's C(hostvars).
    type: dict
    required: true
author:
  - safeq.preflight contributors (@safeq-preflight)
"""

EXAMPLES = r"""
- name: Probe only nodes that answered
  ansible.builtin.debug:
    msg: reachable
  when: inventory_hostname | safeq.preflight.node_reachable(hostvars)
"""

RETURN = r"""
_value:
  description: True unless a check found the node unreachable.
  type: bool
"""

from ansible_collections.safeq.preflight.plugins.plugin_utils import _node_records


def node_reachable(host, hostvars):
    """See DOCUMENTATION."""
    return _node_records.reachable(host, hostvars)


class FilterModule:
    """safeq.preflight filters."""

    def filters(self):
        return {'node_reachable': node_reachable}
