# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the human-readable renderings share: the findings to act on, grouped by owner. PRIVATE to this collection."""

from __future__ import annotations

from ansible_collections.safeq.preflight.plugins.module_utils._findings import SEVERITY
from ansible_collections.safeq.preflight.plugins.plugin_utils import _catalogue

PROBLEMS = ('fail', 'error', 'warn')
# since_last_run changes (_report_diff) in display order, with what a reader sees
CHANGE_LABELS = {'fixed': 'fixed', 'new': 'new', 'unchanged': 'unchanged', 'not-evaluated': 'not evaluated this time',
                 'first-evaluated': 'first evaluated'}
UNREACHABLE_OWNER = 'windows-admin'  # who makes a node reachable over WinRM again


def change_counts(counts):
    """``fixed 1, new 0, unchanged 2, not evaluated this time 1, first evaluated 0`` (a count missing from an older report is 0)."""
    return ', '.join('%s %d' % (label, counts.get(change, 0)) for change, label in CHANGE_LABELS.items())


def owner_labels():
    """Owner name -> description, in the catalogue's order."""
    return dict(_catalogue.load().owners)


def unreachable(report):
    """One item per unreachable node: {host, count, message} (its host-unreachable rows collapsed)."""
    items = []
    for host in report['hosts']:
        count = sum(1 for row in host['entries'] if row['reason'] == 'host-unreachable')
        if host['reachable'] is False and count:
            items.append({'host': host['name'], 'count': count, 'message': host['message'] or 'the host could not be reached',
                          'status': 'error', 'waived': False})
    return items


def action_groups(report):
    """[(owner, label, items)]: the findings to act on, per owner, errors and failures first, waived last.

    An item is {'host': name or None (site), 'row': row} or, for an unreachable node, {'host', 'count', 'message'}.
    """
    labels = owner_labels()
    groups = {}
    for item in unreachable(report):
        groups.setdefault(UNREACHABLE_OWNER, []).append(item)
    rows = [(None, row) for row in report.get('site', {}).get('entries', [])]
    rows += [(host['name'], row) for host in report['hosts'] for row in host['entries'] if row['reason'] != 'host-unreachable']
    for host, row in rows:
        if row['status'] in PROBLEMS:
            groups.setdefault(row.get('owner') or 'unassigned', []).append(
                {'host': host, 'row': row, 'status': row['status'], 'waived': bool(row.get('waiver'))})
    order = list(labels) + sorted(set(groups) - set(labels))
    result = []
    for owner in order:
        if owner in groups:
            items = sorted(groups[owner], key=lambda i: (i['waived'], 'row' in i, SEVERITY[i['status']], i['host'] or '', i.get('row', {}).get('id', '')))
            result.append((owner, labels.get(owner, owner), items))
    return result


def where(item):
    """The host label of an item: the node name, or 'site' for a site entry."""
    return item['host'] or 'site'


def measured_label(report):
    """Where and when the site entries were measured, in words."""
    measured = report.get('site', {}).get('measured') or []
    if not measured:
        return 'no site check ran in this run'
    return '; '.join('%s from the %s at %s' % (m['module'], m['from'], m['at']) for m in measured)
