# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
name: node_profile
short_description: Turn gather-module facts recorded on a real Windows host into a simulated-node profile
version_added: 0.2.0
description:
  - Builds a host profile in the format of the collection's WinRM simulation (C(tests/lab/winrm_sim.py),
    C(docs/simulated-nodes.md)) from the C(facts) that M(safeq.preflight.win_server_facts) and
    M(safeq.preflight.win_feature_facts) returned on a real host, so that real outputs can be contributed as test fixtures.
  - "Replaces, in every string: the values of O(replace) (host names, addresses, user names), the domain and name of the
    connection user, the server and share name of the installation share, and every IPv4 and IPv6 address (with
    addresses from 198.18.100.0/24, 2001:db8::/32 and fe80::/64). The credentials are a placeholder. Program names,
    versions, builds, feature states and error categories are kept."
  - Review the result before sharing it; free text from the host (error messages, adapter descriptions) may still name
    something of yours.
positional: _input
options:
  _input:
    description: Module name (V(win_server_facts), V(win_feature_facts)) to the C(facts) it returned.
    type: dict
    required: true
  name:
    description: Inventory name of the simulated node.
    type: str
    default: recorded
  replace:
    description: Further values to replace (for example C(inventory_hostname), C(ansible_host), the computer name).
    type: list
    elements: str
    default: []
author:
  - safeq.preflight contributors (@safeq-preflight)
"""

EXAMPLES = r"""
- name: Write the profile
  ansible.builtin.copy:
    dest: "recorded/{{ inventory_hostname }}.yml"
    content: >-
      {{ {'win_server_facts': server.facts, 'win_feature_facts': features.facts}
         | safeq.preflight.node_profile(name='node1', replace=[inventory_hostname, ansible_host]) | to_nice_yaml }}
  delegate_to: localhost
"""

RETURN = r"""
_value:
  description: The profile (C(name), C(origin), C(address), C(port), C(credentials), C(faults), C(probes)).
  type: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.safeq.preflight.plugins.plugin_utils import _profile_record


def node_profile(facts_by_module, name='recorded', replace=None):
    """A simulated-node profile from recorded facts (see DOCUMENTATION)."""
    try:
        return _profile_record.build(facts_by_module, name, replace or [])
    except _profile_record.ProfileError as exc:
        raise AnsibleFilterError('safeq.preflight.node_profile: %s' % exc) from None


class FilterModule:
    """safeq.preflight profile filters."""

    def filters(self):
        return {'node_profile': node_profile}
