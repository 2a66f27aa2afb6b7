# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Since the last run: what was fixed, what is new, what is unchanged, per node and site. PRIVATE to this collection.

A problem is a fail, error or warn row (waived or not: a waiver accepts a problem, it does not fix it). A row is
evaluated when a check gave it a verdict (pass, warn, fail, error); skip (not selected, not applicable) and manual
(not checked, not automated, attestation required) say nothing about the problem.
fixed = a problem in the previous run that was evaluated now and is not one; new = a problem now that was evaluated
before and was not one; unchanged = a problem in both runs; not-evaluated = a problem before whose row was not
evaluated this time (never "fixed"); first-evaluated = a problem now whose row was not evaluated before, or had no
row (never "new": it may be old).
"""

from __future__ import annotations

import json
import os

from ansible_collections.safeq.preflight.plugins.module_utils._findings import SEVERITY

PROBLEMS = ('fail', 'error', 'warn')
EVALUATED = PROBLEMS + ('pass',)
CHANGES = ('fixed', 'new', 'unchanged', 'not-evaluated', 'first-evaluated')
PREVIOUS_SUFFIX = '.previous.json'


def _statuses(report, site_ids):
    """{(host or None, id): status}; a site entry that an older (1.x) report listed per host counts once, at its worst."""
    statuses = {}
    for row in (report.get('site') or {}).get('entries') or []:
        statuses[(None, row['id'])] = row['status']
    for host in report.get('hosts') or []:
        for row in host.get('entries') or []:
            key = (None, row['id']) if row['id'] in site_ids else (host['name'], row['id'])
            if key not in statuses or SEVERITY[row['status']] < SEVERITY[statuses[key]]:
                statuses[key] = row['status']
    return statuses


def _change(was, is_, evaluated_before, evaluated_now):
    """The change of one row that is a problem in at least one of the two runs."""
    if was and is_:
        return 'unchanged'
    if was:
        return 'fixed' if evaluated_now else 'not-evaluated'
    return 'new' if evaluated_before else 'first-evaluated'


def compare(previous, current, previous_file):
    """The ``since_last_run`` object of ``current`` given the ``previous`` report dict."""
    site_ids = {row['id'] for row in current['site']['entries']}
    before, now = _statuses(previous, site_ids), _statuses(current, site_ids)
    counts = {'site': dict.fromkeys(CHANGES, 0)}
    for host in current['hosts']:
        counts[host['name']] = dict.fromkeys(CHANGES, 0)
    changes = []
    for key in sorted(set(before) | set(now), key=lambda k: (k[0] is not None, k[0] or '', k[1])):
        old, new = before.get(key), now.get(key)
        was, is_ = old in PROBLEMS, new in PROBLEMS
        if not (was or is_) or new is None:
            continue
        change = _change(was, is_, old in EVALUATED, new in EVALUATED)
        host = key[0]
        counts.setdefault(host or 'site', dict.fromkeys(CHANGES, 0))[change] += 1
        changes.append({'scope': 'node' if host else 'site', 'host': host, 'id': key[1], 'change': change, 'previous': old, 'status': new})
    return {'previous': {'file': previous_file, 'finished': str((previous.get('run') or {}).get('finished', '')),
                         'schema_version': str(previous.get('schema_version', ''))},
            'counts': counts, 'changes': changes}


def rotate(directory, basename):
    """Keep the last run's JSON as BASENAME.previous.json and return it parsed (None when there is none or it is unreadable)."""
    current = os.path.join(directory, basename + '.json')
    previous = os.path.join(directory, basename + PREVIOUS_SUFFIX)
    if not os.path.isfile(current):
        return None, previous
    os.replace(current, previous)
    try:
        with open(previous, encoding='utf-8') as handle:
            document = json.load(handle)
    except (OSError, ValueError):
        return None, previous
    return (document if isinstance(document, dict) else None), previous
