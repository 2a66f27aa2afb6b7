# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inbound ports SafeQ will listen on, on a node of a server role, from the catalogue's port tables (pure).

PRIVATE to this collection. A port-table row whose flow ends at the node's role (``direction.to``) and that applies to
the site (``safeq_features``) is a port SafeQ opens on that node, so it must be free before the installation
(windows_feature_check's port-conflict rule). A row with a small port range (``5014-5019``) counts every port of it
(``_port_derive.ports_of``); rows with a word instead of ports (``>1023``, ``configurable``) or a large range, and
multicast rows, are left out (named in docs/server-checks.md).
"""

from __future__ import annotations

from ansible_collections.safeq.preflight.plugins.plugin_utils import _catalogue
from ansible_collections.safeq.preflight.plugins.plugin_utils.ports._port_derive import ports_of


def inbound(features=(), server_role='cml', catalogue=None):
    """``[{'proto', 'port', 'entries'}]`` sorted by protocol and port: the ports a ``server_role`` node will listen on."""
    catalogue = catalogue or _catalogue.load()
    found = {}
    for entry in catalogue.entries:
        direction = entry.get('direction') or {}
        if server_role not in direction.get('to', ()) or entry.get('protocol') not in ('tcp', 'udp'):
            continue
        ports = ports_of(entry)
        if ports is None or not _catalogue.applicability(entry, features, server_role)[0]:
            continue
        for port in ports:
            found.setdefault((entry['protocol'], int(port)), []).append(entry['id'])
    return [{'proto': proto, 'port': port, 'entries': ids} for (proto, port), ids in sorted(found.items())]


def record_ports(catalogue=None, extra_tcp=()):
    """``(tcp, udp)`` sorted port lists of every inbound row of every server role with every feature: what
    playbooks/record_node_profile.yml asks a real node for, so a recorded profile answers any site's port rule."""
    catalogue = catalogue or _catalogue.load()
    found = set()
    for role in _catalogue.SERVER_ROLES:
        found |= {(item['proto'], item['port']) for item in inbound(sorted(catalogue.features), role, catalogue)}
    tcp = sorted({port for proto, port in found if proto == 'tcp'} | {int(port) for port in extra_tcp})
    return tcp, sorted(port for proto, port in found if proto == 'udp')
