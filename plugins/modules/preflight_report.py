# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: preflight_report
short_description: Write the one report of a SafeQ pre-installation run and apply the exit policy
version_added: 0.1.0
description:
  - Runs on the controller only. Collects the findings every check module returned for every host (from the host
    variable named by O(results_var)), resolves which catalogue entries apply to each host, applies waivers and
    attestations, and writes the report as JSON (versioned schema), JUnit XML, Markdown and a self-contained HTML page.
  - Site entries (catalogue C(scope=site), such as the directory audit) appear once, in the report's site section,
    evaluated from the results recorded on the controller in the variable named by O(site_results_var); node entries
    appear for every host. An entry no check evaluated is never V(pass); an unreachable host's applicable node entries
    are V(error), never a site entry.
  - Keeps the previous run's JSON as C(BASENAME.previous.json) in O(report_dir) and reports what was fixed, what is
    new and what is unchanged since then (O(keep_previous)); a problem whose entry was not evaluated in one of the two
    runs (skip, manual) is "not evaluated this time" or "first evaluated", never fixed or new.
  - Entries the run did not select (O(run_tags), O(skip_tags), O(checks_include), O(checks_exclude)) are V(skip) with
    reason C(not-selected).
  - Prints a console summary. Fails when an unwaived V(fail) remains on an applicable mandatory entry or an unwaived
    V(error) (could not evaluate) on any applicable entry (O(fail_on=fail)); O(fail_on=warn) also fails on warnings and on
    optional entries; O(fail_on=never) only reports.
  - Writes the report in check mode too (it is a local file, not a change to any managed host) and never reports a change.
options:
  hosts:
    description: Inventory hosts the report covers.
    type: list
    elements: str
    required: true
  features:
    description: Optional features the site uses (C(safeq_features)).
    type: list
    elements: str
    default: []
  waivers:
    description: Waivers (C(safeq_waivers)), validated beforehand by M(safeq.preflight.preflight_validate).
    type: list
    elements: dict
    default: []
  attestations:
    description: Attestations for manual entries (C(safeq_attestations)).
    type: list
    elements: dict
    default: []
  fail_on:
    description: Exit policy.
    type: str
    default: fail
    choices: [fail, warn, never]
  report_dir:
    description: Directory the report files are written to.
    type: path
    default: reports
  started:
    description: Start time of the run (ISO 8601), as returned by M(safeq.preflight.preflight_validate).
    type: str
  ftp_passive_ports:
    description:
      - The site's passive FTP range (C(safeq_ftp_passive_ports)); the report role passes the range the network role probed the
        nodes on, or, when it did not run, the range M(safeq.preflight.preflight_validate) returned.
      - The Windows Firewall section then lists every port of the declared range under the passive FTP row.
    type: dict
    default: {}
  results_var:
    description: Host variable holding a list of C({module, result}) items a site's own role appended for the host (read after
      O(node_results_var)).
    type: str
    default: safeq_preflight_results
  node_results_var:
    description: Controller (C(localhost)) variable holding the records the check roles kept for every node, host to a list of
      C({module, result}) (P(safeq.preflight.node_records#filter)).
    type: str
    default: safeq_preflight_node_results
  site_results_var:
    description: Controller (C(localhost)) variable holding the list of C({module, measured_from, measured_at, result})
      items recorded once for the whole site.
    type: str
    default: safeq_preflight_site_results
  basename:
    description: File name stem of the report files.
    type: str
    default: safeq-preflight
  keep_previous:
    description: Move the previous C(BASENAME.json) to C(BASENAME.previous.json) and compare the new report with it.
    type: bool
    default: true
  checks_include:
    description: fnmatch patterns of catalogue entry IDs to evaluate (C(safeq_checks_include)); empty = all.
    type: list
    elements: str
    default: []
  checks_exclude:
    description: fnmatch patterns of catalogue entry IDs not to evaluate (C(safeq_checks_exclude)).
    type: list
    elements: str
    default: []
  run_tags:
    description: The run's tags (C(ansible_run_tags)); the area tags among them (C(server), C(network), C(database),
      C(directory)) select the areas evaluated.
    type: list
    elements: str
    default: [all]
  skip_tags:
    description: The run's skipped tags (C(ansible_skip_tags)).
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - safeq.preflight.attributes
  - safeq.preflight.attributes.controller
notes:
  - "Under C(--check) the report files are still written to O(report_dir) on the controller: they are the run's output,
    not a change to any managed host, and the task reports C(changed=false)."
seealso:
  - module: safeq.preflight.preflight_validate
author:
  - safeq.preflight contributors (@safeq-preflight)
"""

EXAMPLES = r"""
- name: Write the report for all SafeQ nodes
  safeq.preflight.preflight_report:
    hosts: "{{ groups['safeq_nodes'] }}"
    features: "{{ safeq_features | default([]) }}"
    waivers: "{{ safeq_waivers | default([]) }}"
    report_dir: /var/lib/safeq-preflight/reports
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
report_paths:
  description: Paths of the written report files.
  returned: success
  type: dict
  sample:
    json: /srv/reports/safeq-preflight.json
    junit: /srv/reports/safeq-preflight.junit.xml
    markdown: /srv/reports/safeq-preflight.md
    html: /srv/reports/safeq-preflight.html
summary:
  description: The report's summary block (verdict, counts per status, for the site, per host, per area and per owner).
  returned: success
  type: dict
  sample: {verdict: blocked, blocking_count: 3, by_status: {pass: 40, warn: 2, fail: 2, skip: 120, error: 1, manual: 30}}
"""
