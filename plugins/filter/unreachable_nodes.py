# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
name: unreachable_nodes
short_description: The hosts that any check found unreachable, from the run's records
version_added: 0.4.0
description:
  - O(_input) is the run's records (host to a list of C({module, result}), P(safeq.preflight.node_records#filter)). Returns the
    hosts one of whose results is unreachable, with O(previous), sorted. The check roles keep it as C(safeq_preflight_unreachable)
    of C(localhost), which P(safeq.preflight.node_reachable#filter) reads for each node.
positional: _input
options:
  _input:
    description: The run's records.
    type: dict
    required: true
  previous:
    description: Hosts already known to be unreachable.
    type: list
    elements: str
    default: []
author:
  - safeq.preflight contributors (@safeq-preflight)
"""

EXAMPLES = r"""
- name: The nodes found unreachable so far
  ansible.builtin.debug:
    msg: "{{ hostvars['localhost'].safeq_preflight_node_results | default({}) | safeq.preflight.unreachable_nodes }}"
"""

RETURN = r"""
_value:
  description: Host names, sorted.
  type: list
  elements: str
"""

from ansible_collections.safeq.preflight.plugins.plugin_utils import _node_records


def unreachable_nodes(records, previous=None):
    """See DOCUMENTATION."""
    return _node_records.unreachable(records or {}, previous or [])


class FilterModule:
    """safeq.preflight filters."""

    def filters(self):
        return {'unreachable_nodes': unreachable_nodes}
