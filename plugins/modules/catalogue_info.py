# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: catalogue_info
short_description: List the SafeQ CML pre-installation checklist catalogue and what applies to a site
version_added: 0.1.0
description:
  - Returns the catalogue entries (one per checklist line, one per port-table row) with their stable IDs, the verbatim
    checklist line, area, requirement level, the features that make them apply, and the module that evaluates them.
  - Resolves for a site profile (O(features)) and a server role which entries apply.
  - Runs on the controller only and never contacts a host.
options:
  features:
    description: Optional SafeQ features the site uses; unknown names are refused.
    type: list
    elements: str
    default: []
  server_role:
    description: Role of the server the applicability is resolved for.
    type: str
    default: cml
    choices: [cml, ors, crs]
  ids:
    description: Only these entry IDs.
    type: list
    elements: str
  area:
    description: Only entries of this area.
    type: str
    choices: [server, ldap, database, network]
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - safeq.preflight.attributes
  - safeq.preflight.attributes.controller
author:
  - safeq.preflight contributors (@safeq-preflight)
"""

EXAMPLES = r"""
- name: What applies to a clustered site with an external database
  safeq.preflight.catalogue_info:
    features: [cluster, external_db]
  register: catalogue
  delegate_to: localhost

- name: Port rows only
  safeq.preflight.catalogue_info:
    area: network
  delegate_to: localhost
"""

RETURN = r"""
entries:
  description: The catalogue entries, in checklist order.
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: Stable entry ID.
      type: str
      sample: net.other.udp-1434-cml-db
    title:
      description: Short title.
      type: str
      sample: SQL Server Browser from CML (UDP 1434)
    source:
      description: The checklist line (or table row) verbatim.
      type: str
      sample: "Mandatory | UDP | 1434 | CML > DB | This communication is used to query the SQL server browser service. ..."
    area:
      description: server, ldap, database or network.
      type: str
      sample: database
    kind:
      description: V(check) when a machine can observe it, V(manual) when only a person can attest it.
      type: str
      sample: check
    requirement:
      description: mandatory, optional or recommended, as the checklist words it.
      type: str
      sample: mandatory
    applies_when:
      description: Features that make the entry apply (any of them); empty means always.
      type: list
      elements: str
      sample: [external_db]
    implemented_by:
      description: Module that evaluates the entry; absent when it is not automated yet.
      type: str
      sample: sql_browser_probe
    remediation:
      description: What to do when the entry is not met (the generic text).
      type: str
      sample: Allow UDP 1434 from CML nodes to the SQL Server on the Windows Firewall and on every network firewall between them.
    remediations:
      description: Reason code to what to do when a finding of the entry has that reason; absent when the entry has none.
      type: dict
      sample: {malformed-reply: Check that the service on UDP 1434 is the SQL Server Browser.}
    applies:
      description: Whether the entry applies to O(server_role) with O(features).
      type: bool
      sample: true
    applies_reason:
      description: V(applies), V(feature-not-used) or V(role-not-in-scope).
      type: str
      sample: applies
count:
  description: Number of entries returned.
  returned: success
  type: int
  sample: 110
features:
  description: The feature vocabulary (name to description).
  returned: success
  type: dict
  sample: {cluster: CML cluster (several CML nodes), external_db: external MS SQL Server database}
"""
