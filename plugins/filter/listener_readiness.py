# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
name: listener_readiness
short_description: Which ports of a node's temporary listener stand, before the probes and after them
version_added: 0.3.0
description:
  - O(_input) is the registered result of M(safeq.preflight.win_port_listener). Its listener process reports each port
    V(listening) (bound, listening when the task ends), V(conflict), V(error) or V(not-ready) (no report in time). A port
    only V(bound) (the module run with C(duration_s=0), which closes at once) stands only where O(readiness) shows it answering.
  - O(readiness) is the registered result of M(safeq.preflight.port_check) run on the node towards its own loopback (C(127.0.0.1),
    which no firewall filters), such as the network role's check after every probe. Given, a port stands only when it answered it.
  - With O(output=targets) the result is the port_check targets of such a loopback check (every port the listener bound).
  - With O(output=ready) it is V(true) when every such port answered O(readiness).
  - With O(output=states) it is a mapping of C(PROTO/PORT) to a state. V(ready) when the port stands; otherwise the reason there is no
    listener (starting with V(conflict), V(error) or V(not-ready), and the detail). This is the value of the node's address in the
    C(listening) option of P(safeq.preflight.vantage_plan#filter) and P(safeq.preflight.port_targets#filter).
positional: _input
options:
  _input:
    description: Registered result of M(safeq.preflight.win_port_listener) (C(facts.ports) with C(state) per port).
    type: dict
    required: true
  readiness:
    description: Registered result of a loopback port_check (its C(results)). Omitted, the listener's own report decides; given
      (even empty), only the ports that answered it stand.
    type: dict
  output:
    description: What to return.
    type: str
    choices: [targets, ready, states]
    default: states
  ready_seconds:
    description: C(safeq_listener_ready_seconds), named in the reason of a port whose listener did not report in time.
    type: int
author:
  - safeq.preflight contributors (@safeq-preflight)
"""

EXAMPLES = r"""
- name: This node's listener states for the vantage plan
  ansible.builtin.set_fact:
    listening: "{{ {ansible_host: listener | safeq.preflight.listener_readiness} }}"
"""

RETURN = r"""
_value:
  description: Targets (a list), V(true)/V(false), or the state per C(PROTO/PORT) (a dict), after O(output).
  type: raw
  sample: {tcp/6020: ready, tcp/19898: 'conflict: the port is in use or reserved (socket error 10013)'}
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.safeq.preflight.plugins.plugin_utils.ports import _listener_state


def listener_readiness(precheck, readiness=None, output='states', ready_seconds=None):
    """See DOCUMENTATION."""
    if output == 'targets':
        return _listener_state.loopback_targets(precheck or {})
    if output == 'ready':
        return _listener_state.all_ready(precheck or {}, readiness or {})
    if output == 'states':
        return _listener_state.states(precheck or {}, readiness, ready_seconds)
    raise AnsibleFilterError('safeq.preflight.listener_readiness: output must be targets, ready or states, got %r' % (output,))


class FilterModule:
    """safeq.preflight filters."""

    def filters(self):
        return {'listener_readiness': listener_readiness}
