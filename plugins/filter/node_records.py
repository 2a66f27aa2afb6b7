# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
name: node_records
short_description: Every node's registered check results added to the run's records on the controller, once for the play
version_added: 0.4.0
description:
  - Returns the run's records so far (C(safeq_preflight_node_results) of C(localhost), host to a list of C({module, result}))
    with, for every host of O(_input) and every module of O(registered), in order, the host's registered result appended as
    C({module, result}). A host without the variable (it left the play before the task) gets nothing, so the report says no
    check ran there.
  - The registered results are read as they are (C(hostvars.raw_get)), not templated again.
  - The check roles end with one C(run_once) task that uses it, instead of a record task per node (docs/pipelines.md).
positional: _input, hostvars, registered
options:
  _input:
    description: The hosts to record (C(ansible_play_hosts_all)).
    type: list
    elements: str
    required: true
  hostvars:
    description: Ansible's C(hostvars); the records kept so far are read from C(safeq_preflight_node_results) of C(localhost).
    type: dict
    required: true
  registered:
    description: Module name to the name of the variable its task registered, in the order the report reads them.
    type: dict
    required: true
author:
  - safeq.preflight contributors (@safeq-preflight)
"""

EXAMPLES = r"""
- name: Record every node's results once, on the controller
  ansible.builtin.set_fact:
    safeq_preflight_node_results: >-
      {{ ansible_play_hosts_all | safeq.preflight.node_records(hostvars, {'server_check': 'windows_node_server'}) }}
  delegate_to: localhost
  delegate_facts: true
  run_once: true
"""

RETURN = r"""
_value:
  description: Host to its list of C({module, result}) records, the new ones last.
  type: dict
"""

from ansible_collections.safeq.preflight.plugins.plugin_utils import _node_records


def node_records(hosts, hostvars, registered):
    """See DOCUMENTATION."""
    return _node_records.append(hosts, hostvars, registered)


class FilterModule:
    """safeq.preflight filters."""

    def filters(self):
        return {'node_records': node_records}
