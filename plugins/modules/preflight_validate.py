# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: preflight_validate
short_description: Validate the site profile, waivers, attestations and report directory before any host is contacted
version_added: 0.1.0
description:
  - Runs on the controller only. Checks the inputs of a pre-installation run and fails with one clear message per problem,
    naming the inventory variable and the value, before any SafeQ node is contacted.
  - The options mirror the inventory variables C(safeq_features), C(safeq_waivers), C(safeq_attestations),
    C(safeq_report_dir) and C(safeq_fail_on); the messages name those variables.
options:
  features:
    description: Optional SafeQ features the site uses (see C(playbooks/list_catalogue.yml) for the vocabulary).
    type: raw
    default: []
  waivers:
    description:
      - Accepted deviations, each with C(id) (a catalogue ID or an fnmatch pattern such as C(server.*)), C(hosts) (a list or
        C(all)), a required C(justification) and an optional C(expires) date (YYYY-MM-DD).
    type: raw
    default: []
  attestations:
    description: Statements for manual entries, each with C(id), C(by), C(date) (YYYY-MM-DD), C(note) and optional C(hosts).
    type: raw
    default: []
  report_dir:
    description: Directory the report is written to; created when missing and tested for writing.
    type: raw
    default: reports
  fail_on:
    description: Exit policy, one of V(fail), V(warn) or V(never).
    type: raw
    default: fail
  nodes:
    description:
      - Inventory hosts of the SafeQ nodes. Every C(safeq_*) variable each of them has is checked before any host is contacted,
        its type and choices against the roles' argument specs, its value against the rules of the module option it feeds
        (ranges, finite numbers, non-empty strings and list items, DNs, versions, UNC and Windows paths, existing files,
        known keys), and unknown C(safeq_*) names (typos) are refused with a suggestion. Secret values are never shown.
      - What the site's features require of each node is checked too (C(safeq_db_host) with C(external_db), ...).
      - The rules per variable are listed in C(docs/input-validation.md).
    type: list
    elements: str
    default: []
  nodes_group:
    description: The inventory group the nodes come from (C(safeq_nodes_group)); a group without hosts is refused.
    type: raw
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - safeq.preflight.attributes
  - safeq.preflight.attributes.controller
author:
  - safeq.preflight contributors (@safeq-preflight)
"""

EXAMPLES = r"""
- name: Validate the input of the run
  safeq.preflight.preflight_validate:
    features: "{{ safeq_features | default([]) }}"
    waivers: "{{ safeq_waivers | default([]) }}"
    attestations: "{{ safeq_attestations | default([]) }}"
    report_dir: "{{ safeq_report_dir | default('reports') }}"
    fail_on: "{{ safeq_fail_on | default('fail') }}"
    nodes: "{{ groups['safeq_nodes'] }}"
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
report_dir:
  description: Absolute path of the report directory.
  returned: success
  type: str
  sample: /home/engineer/site/reports
nodes:
  description: The nodes that were checked; the validate role puts them in the group C(safeq_preflight_nodes), which the checks run on.
  returned: success
  type: list
  elements: str
  sample: [cml1, cml2, cml3]
ftp_passive_ports:
  description: The nodes' passive FTP range (C(safeq_ftp_passive_ports), one value for every node), or an empty mapping.
  returned: success
  type: dict
  sample: {from: 50000, to: 50015}
modules:
  description: The collection's check modules that have at least one catalogue entry the run selects (C(safeq_checks_include),
    C(safeq_checks_exclude)); the validate role gives each node this list as C(safeq_preflight_modules), and the playbook runs
    only the roles whose modules are in it.
  returned: success
  type: list
  elements: str
  sample: [ldap_attribute_check, port_check, server_check, sql_browser_probe, windows_feature_check]
started:
  description: Start time of the run (UTC, ISO 8601).
  returned: success
  type: str
  sample: "2026-11-24T09:00:00+00:00"
errors:
  description: One message per problem found, each naming the variable and the value.
  returned: failure
  type: list
  elements: str
  sample: ["safeq_features: unknown feature 'clustr' (did you mean 'cluster'?)"]
"""
