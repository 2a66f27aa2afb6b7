# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one findings model of safeq.preflight.

PRIVATE to this collection: do not import it from other collections.

A finding is a plain dict (so that it survives Ansible's result serialisation):

    id           catalogue entry ID, e.g. ``server.admin-rights``
    status       one of STATUSES
    reason       machine-readable reason code (lowercase, dash separated)
    detail       human sentence: what was observed
    remediation  what to do about it (may be empty on pass)
    source       the checklist line the entry implements (filled from the catalogue)

``error`` means "could not evaluate". It is never shown as pass or skip.
"""

from __future__ import annotations

PASS = 'pass'
WARN = 'warn'
FAIL = 'fail'
SKIP = 'skip'
ERROR = 'error'
MANUAL = 'manual'

STATUSES = (PASS, WARN, FAIL, SKIP, ERROR, MANUAL)

# Severity order, worst first: used to sort reports and to pick a host's worst status.
SEVERITY = {ERROR: 0, FAIL: 1, WARN: 2, MANUAL: 3, SKIP: 4, PASS: 5}

FIELDS = ('id', 'status', 'reason', 'detail', 'remediation', 'source')


class FindingError(ValueError):
    """A finding was built with an invalid shape (a programming error)."""


def finding(entry_id, status, reason, detail='', remediation='', source='', **extra):
    """Build one finding dict, validating its shape.

    ``extra`` keys (for example ``observed``) are kept beside the standard fields.
    """
    if not entry_id or not isinstance(entry_id, str):
        raise FindingError('finding id must be a non-empty string, got %r' % (entry_id,))
    if status not in STATUSES:
        raise FindingError('finding %s: status must be one of %s, got %r' % (entry_id, ', '.join(STATUSES), status))
    if not reason or not isinstance(reason, str):
        raise FindingError('finding %s: reason must be a non-empty string, got %r' % (entry_id, reason))
    result = {
        'id': entry_id,
        'status': status,
        'reason': reason,
        'detail': str(detail or ''),
        'remediation': str(remediation or ''),
        'source': str(source or ''),
    }
    for key, value in extra.items():
        if key in result:
            raise FindingError('finding %s: extra key %r shadows a standard field' % (entry_id, key))
        result[key] = value
    return result


def error_finding(entry_id, reason, detail, remediation=''):
    """A finding for an entry that could not be evaluated."""
    return finding(entry_id, ERROR, reason, detail, remediation)


def worst(statuses):
    """Return the most severe status of an iterable of statuses (``pass`` when empty)."""
    result = PASS
    for status in statuses:
        if SEVERITY[status] < SEVERITY[result]:
            result = status
    return result


def counts(findings):
    """Count findings per status; every status is present in the result."""
    result = dict.fromkeys(STATUSES, 0)
    for item in findings:
        result[item['status']] += 1
    return result
