# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
name: listener_ports
short_description: The ports a node's temporary listener opens for the catalogue's inbound port-table rows
version_added: 0.1.0
description:
  - Every port-table row of the catalogue that applies to the site (O(features)) and whose flow ends at a node of O(_input)
    (its server role) gives its TCP or UDP ports, including the rows kept local (JMX, RMI), which are probed to be NOT reachable.
  - The result is the O(safeq.preflight.win_port_listener#module:ports) option of M(safeq.preflight.win_port_listener).
  - Rows with a range of more than 32 ports or a word (C(dynamic)) and multicast rows are left out; a smaller range is listed port by port.
positional: _input
options:
  _input:
    description: Server role of the node that listens.
    type: str
    required: true
    choices: [cml, ors, crs]
  features:
    description: Optional features the site uses (as in C(safeq_features)).
    type: list
    elements: str
    default: []
  sources:
    description:
      - Peer kinds that will probe the node (C(cml) when there are other nodes, and the peer networks with a vantage point);
        only the rows they probe are listed (the local-only rows when C(workstation) or C(printer) is among them).
      - Omitted, every inbound row is listed.
    type: list
    elements: str
  ftp_passive_ports:
    description:
      - The site's passive FTP range (SafeQ's C(ftpPassivePorts)), a mapping of C(from) and C(to), at most 64 ports above 1023
        (C(safeq_ftp_passive_ports)). The passive FTP row (C(above 1023) in the checklist) then has exactly these ports;
        omitted, it stays not checked.
    type: dict
author:
  - safeq.preflight contributors (@safeq-preflight)
"""

EXAMPLES = r"""
- name: Open the inbound ports of a CML node for five minutes
  safeq.preflight.win_port_listener:
    ports: "{{ 'cml' | safeq.preflight.listener_ports(features=safeq_features) }}"
    duration: 300
  async: 360
  poll: 0
"""

RETURN = r"""
_value:
  description: Ports, sorted by protocol and number.
  type: list
  elements: dict
  sample: [{proto: tcp, port: 80}, {proto: tcp, port: 443}, {proto: udp, port: 161}]
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.safeq.preflight.plugins.plugin_utils import _catalogue
from ansible_collections.safeq.preflight.plugins.plugin_utils.ports import _port_derive


def listener_ports(server_role, features=None, sources=None, ftp_passive_ports=None):
    """Ports of the inbound rows of ``server_role`` (see DOCUMENTATION)."""
    if server_role not in _catalogue.SERVER_ROLES:
        raise AnsibleFilterError('safeq.preflight.listener_ports: server role must be one of %s, got %r'
                                 % (', '.join(_catalogue.SERVER_ROLES), server_role))
    try:
        catalogue = _port_derive.with_site_ports(_catalogue.load(), ftp_passive_ports)
        return _port_derive.inbound_ports(features or [], server_role, catalogue=catalogue, sources=sources)
    except _port_derive.DeriveError as exc:
        raise AnsibleFilterError('safeq.preflight.listener_ports: %s' % exc) from None


class FilterModule:
    """safeq.preflight filters."""

    def filters(self):
        return {'listener_ports': listener_ports}
