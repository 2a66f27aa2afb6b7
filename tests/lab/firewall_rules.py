# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Inbound Windows Firewall rules as Get-SafeqFirewallFacts returns them, for tests (the win_server_facts schema's shape).

``rule()`` is a rule with no condition besides its protocol and local port: the values the cmdlets show for a condition
that is not set (``Any``, or an empty string for Package and Owner). A test changes the one condition it is about.
"""

from __future__ import annotations

UNLIMITED = {'remote_addresses': ['Any'], 'local_addresses': ['Any'], 'remote_ports': ['Any'], 'interface_types': 'Any',
             'interface_aliases': ['Any'], 'package': '', 'owner': '', 'local_user': 'Any', 'remote_user': 'Any', 'remote_machine': 'Any',
             'override_block_rules': False, 'authentication': 'NotRequired', 'encryption': 'NotRequired'}


def rule(**change):
    """An enabled inbound Block rule for TCP 6020, every profile, program and service, with ``change`` applied."""
    found = dict({'id': 'r1', 'display_name': 'r1', 'action': 'Block', 'profiles': 'Any', 'source': 'Local', 'protocol': 'TCP',
                  'local_ports': ['6020'], 'program': 'Any', 'service': 'Any', 'filters_found': True}, **UNLIMITED)
    found.update(change)
    return found
