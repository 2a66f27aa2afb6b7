# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
name: network_listening
short_description: The temporary listeners that stand on every node when the probes start, once for the play
version_added: 0.4.0
description:
  - For every host of O(_input) whose temporary listener task answered (its registered C(network_listener), the result of
    M(safeq.preflight.win_port_listener)), the states of its ports as P(safeq.preflight.listener_readiness#filter) gives
    them, keyed by the node's address. Only V(ready) ports (its listener process reported them listening) are listeners.
positional: _input, hostvars
options:
  ready_seconds:
    description: C(safeq_listener_ready_seconds), named in the reason of a port whose listener did not report in time.
    type: int
extends_documentation_fragment:
  - safeq.preflight.play_hosts
author:
  - safeq.preflight contributors (@safeq-preflight)
"""

EXAMPLES = r"""
- name: Collect the listeners once
  ansible.builtin.set_fact:
    network_listening_hosts: "{{ ansible_play_hosts_all | safeq.preflight.network_listening(hostvars, ready_seconds=30) }}"
  run_once: true
"""

RETURN = r"""
_value:
  description: Node address to its ports' states (C(PROTO/PORT) to V(ready) or why not); nodes without listeners are left out.
  type: dict
"""

from ansible_collections.safeq.preflight.plugins.plugin_utils.ports import _network_records


def network_listening(hosts, hostvars, ready_seconds=None):
    """See DOCUMENTATION."""
    return _network_records.listening(hosts, hostvars, ready_seconds)


class FilterModule:
    """safeq.preflight filters."""

    def filters(self):
        return {'network_listening': network_listening}
