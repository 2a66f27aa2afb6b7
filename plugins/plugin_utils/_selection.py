# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which catalogue entries a run covers: area tags and safeq_checks_include / safeq_checks_exclude. PRIVATE to this collection.

An entry is selected when the tag of its area is selected (``--tags`` / ``--skip-tags``) and its ID matches an
include pattern (when any is given) and no exclude pattern. Patterns are fnmatch patterns of catalogue IDs.
"""

from __future__ import annotations

import fnmatch

# The playbook's tag for each catalogue area (the role that checks it carries the tag).
AREA_TAGS = {'server': 'server', 'network': 'network', 'database': 'database', 'ldap': 'directory'}
VARIABLES = ('safeq_checks_include', 'safeq_checks_exclude')


def check_patterns(variable, value, catalogue_ids):
    """Messages for one pattern list (empty when valid): a list of strings, each matching at least one catalogue ID."""
    if value in (None, ''):
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        return ['%s: must be a list of catalogue ID patterns (fnmatch, e.g. "ldap.*"), got %r' % (variable, value)]
    return ["%s[%d]: '%s' matches no catalogue entry ID (list them with the safeq.preflight.list_catalogue playbook)"
            % (variable, index, pattern) for index, pattern in enumerate(value)
            if not any(fnmatch.fnmatchcase(entry_id, pattern) for entry_id in catalogue_ids)]


def task_var_patterns(task_vars, templar):
    """``{variable: value}`` of safeq_checks_include and safeq_checks_exclude as the play sees them (templated)."""
    return {variable: templar.template(task_vars.get(variable)) if templar is not None else task_vars.get(variable)
            for variable in VARIABLES}


def check_selection(patterns, catalogue_ids):
    """Messages for safeq_checks_include and safeq_checks_exclude (``task_var_patterns``)."""
    messages = []
    for variable, value in patterns.items():
        messages += check_patterns(variable, value, catalogue_ids)
    return messages


def selected_modules(catalogue, include=(), exclude=()):
    """The collection modules (``implemented_by``) with at least one entry the patterns select, sorted: what the
    ``checks_selected`` filter says of each module, worked out once for the run."""
    return sorted({entry['implemented_by'] for entry in catalogue.entries
                   if entry.get('implemented_by') and is_selected(entry, include or (), exclude or ())})


def selected_tags(run_tags, skip_tags):
    """The area tags a run with these ``--tags`` / ``--skip-tags`` covers."""
    run = set(run_tags or ('all',))
    tags = set(AREA_TAGS.values()) if run & {'all', 'always', 'safeq'} or not run & set(AREA_TAGS.values()) else run
    return tags - set(skip_tags or ())


def is_selected(entry, include=(), exclude=(), tags=None):
    """Whether the run covers ``entry``; ``tags`` None means every area."""
    if tags is not None and AREA_TAGS.get(entry['area']) not in tags:
        return False
    if include and not any(fnmatch.fnmatchcase(entry['id'], pattern) for pattern in include):
        return False
    return not any(fnmatch.fnmatchcase(entry['id'], pattern) for pattern in exclude or ())


def node_checks_selected(catalogue, selection):
    """Whether the selection ({include, exclude, tags}) leaves any automated node entry to evaluate."""
    return any(entry['scope'] == 'node' and entry.get('implemented_by')
               and is_selected(entry, selection.get('include'), selection.get('exclude'), selection.get('tags'))
               for entry in catalogue.entries)
