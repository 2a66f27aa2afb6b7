# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
name: checks_selected
short_description: Whether a run's ID patterns select any catalogue entry the given modules implement
version_added: 0.1.0
description:
  - True when at least one catalogue entry whose C(implemented_by) is one of the input modules matches an O(include)
    pattern (or O(include) is empty) and no O(exclude) pattern. The playbook C(safeq.preflight.preinstall_check) uses it
    to skip a role whose probes would only evaluate entries the run does not select (C(safeq_checks_include),
    C(safeq_checks_exclude)); the report shows those entries as V(skip) with reason C(not-selected).
positional: _input
options:
  _input:
    description: Module names, for example V([server_check, windows_feature_check]).
    type: list
    elements: str
    required: true
  include:
    description: fnmatch patterns of catalogue entry IDs to evaluate; empty selects every entry.
    type: list
    elements: str
    default: []
  exclude:
    description: fnmatch patterns of catalogue entry IDs not to evaluate.
    type: list
    elements: str
    default: []
author:
  - safeq.preflight contributors (@safeq-preflight)
"""

EXAMPLES = r"""
- name: Audit the directory only when some ldap.* entry is selected
  ansible.builtin.include_role:
    name: safeq.preflight.directory
  when: "['ldap_attribute_check'] | safeq.preflight.checks_selected(safeq_checks_include, safeq_checks_exclude)"
"""

RETURN = r"""
_value:
  description: Whether any entry the modules implement is selected.
  type: bool
  sample: true
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.safeq.preflight.plugins.plugin_utils import _catalogue, _selection


def checks_selected(modules, include=None, exclude=None):
    """Whether any catalogue entry implemented by one of ``modules`` is selected (see DOCUMENTATION)."""
    for name, value in (('_input', modules), ('include', include), ('exclude', exclude)):
        if value is not None and (not isinstance(value, list) or not all(isinstance(item, str) for item in value)):
            raise AnsibleFilterError('safeq.preflight.checks_selected: %s must be a list of strings, got %r' % (name, value))
    return bool(set(modules or ()) & set(_selection.selected_modules(_catalogue.load(), include, exclude)))


class FilterModule:
    """safeq.preflight filters."""

    def filters(self):
        return {'checks_selected': checks_selected}
