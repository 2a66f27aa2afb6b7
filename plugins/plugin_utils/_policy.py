# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Waivers, attestations and the exit policy. PRIVATE to this collection.

Pure functions: user input in, clear messages (naming the variable, the index and the value) or
updated report rows out. Nothing here raises on user input.
"""

from __future__ import annotations

import datetime
import fnmatch

WAIVER_KEYS = ('id', 'hosts', 'justification', 'expires')
ATTESTATION_KEYS = ('id', 'by', 'date', 'note', 'hosts')
WAIVABLE = ('fail', 'warn', 'error')


def parse_date(value):
    """A date from YYYY-MM-DD text (or a date YAML already parsed); None when it is not one."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


def _matches(pattern, entry_id):
    return fnmatch.fnmatchcase(entry_id, pattern)


def _check_hosts(where, hosts):
    if hosts is None or hosts == 'all':
        return []
    if not isinstance(hosts, list) or not hosts or not all(isinstance(h, str) and h for h in hosts):
        return ["%s.hosts: must be 'all' or a non-empty list of inventory host names, got %r" % (where, hosts)]
    return []


def _check_common(variable, index, item, keys, catalogue_ids):
    where = '%s[%d]' % (variable, index)
    if not isinstance(item, dict):
        return where, ['%s: must be a mapping, got %r' % (where, item)]
    messages = []
    unknown = sorted(str(k) for k in set(item) - set(keys))
    if unknown:
        messages.append('%s: unknown key(s) %s (allowed: %s)' % (where, ', '.join(unknown), ', '.join(keys)))
    entry_id = item.get('id')
    if not isinstance(entry_id, str) or not entry_id:
        messages.append("%s.id: is required (a catalogue entry id), got %r" % (where, entry_id))
    elif not any(_matches(entry_id, known) for known in catalogue_ids):
        messages.append("%s.id: '%s' is not a catalogue entry id and matches none" % (where, entry_id))
    messages += _check_hosts(where, item.get('hosts'))
    return where, messages


def validate_waivers(value, catalogue_ids, today):
    """Messages for ``safeq_waivers`` (empty when valid)."""
    if value in (None, ''):
        return []
    if not isinstance(value, list):
        return ['safeq_waivers: must be a list of waivers, got %r' % (value,)]
    messages = []
    for index, item in enumerate(value):
        where, found = _check_common('safeq_waivers', index, item, WAIVER_KEYS, catalogue_ids)
        messages += found
        if not isinstance(item, dict):
            continue
        justification = item.get('justification')
        if not isinstance(justification, str) or not justification.strip():
            messages.append("%s: 'justification' is required (id %r)" % (where, item.get('id')))
        if item.get('expires') is not None and parse_date(item['expires']) is None:
            messages.append("%s.expires: %r is not a date (YYYY-MM-DD)" % (where, item['expires']))
    return messages


def validate_attestations(value, catalogue_ids, today):
    """Messages for ``safeq_attestations`` (empty when valid)."""
    if value in (None, ''):
        return []
    if not isinstance(value, list):
        return ['safeq_attestations: must be a list of attestations, got %r' % (value,)]
    messages = []
    for index, item in enumerate(value):
        where, found = _check_common('safeq_attestations', index, item, ATTESTATION_KEYS, catalogue_ids)
        messages += found
        if not isinstance(item, dict):
            continue
        if not isinstance(item.get('by'), str) or not item['by'].strip():
            messages.append("%s: 'by' is required (who attests, id %r)" % (where, item.get('id')))
        date = parse_date(item.get('date'))
        if item.get('date') is None:
            messages.append("%s: 'date' is required (YYYY-MM-DD, id %r)" % (where, item.get('id')))
        elif date is None:
            messages.append("%s.date: %r is not a date (YYYY-MM-DD)" % (where, item['date']))
        elif date > today:
            messages.append("%s.date: %s is in the future" % (where, date.isoformat()))
    return messages


def _for_host(item, host):
    hosts = item.get('hosts')
    return hosts in (None, 'all') or host in hosts


def apply_attestations(row, host, attestations):
    """Turn a ``manual`` row into an attested ``pass``; record an attestation that cannot apply."""
    for item in attestations or []:
        if not (_matches(item['id'], row['id']) and _for_host(item, host)):
            continue
        date = parse_date(item.get('date'))
        record = {'by': item['by'], 'date': date.isoformat() if date else str(item.get('date')), 'note': item.get('note') or ''}
        if row['status'] == 'manual':
            row.update(status='pass', reason='attested', attestation=record,
                       detail='Attested by %s on %s: %s' % (record['by'], record['date'], record['note'] or 'no note'))
        else:
            row['attestation_ignored'] = dict(record, reason='the entry was evaluated automatically (%s), so the attestation does not apply'
                                              % row['status'])
        return row
    return row


def apply_waivers(row, host, waivers, today):
    """Attach the first matching waiver to a fail/warn/error row; an expired one is recorded but does not apply."""
    if row['status'] not in WAIVABLE:
        return row
    for item in waivers or []:
        if not (_matches(item['id'], row['id']) and _for_host(item, host)):
            continue
        expires = parse_date(item.get('expires')) if item.get('expires') is not None else None
        record = {'id': item['id'], 'justification': item['justification'], 'expires': expires.isoformat() if expires else None}
        if expires is not None and expires < today:
            row['waiver_expired'] = record
            row['detail'] = (row['detail'] + ' ' if row['detail'] else '') + '(waiver expired on %s)' % expires.isoformat()
            continue
        row['waiver'] = record
        return row
    return row


def is_blocking(row, fail_on):
    """Whether a report row makes the run fail under the exit policy ``fail_on``.

    Under ``fail`` an unwaived ``error`` blocks whatever the entry's requirement: it means the check could not evaluate,
    and a run that could not evaluate an applicable entry must not pass (only a ``fail`` of an optional or recommended
    entry is advisory).
    """
    if fail_on == 'never' or not row['applicable'] or row.get('waiver'):
        return False
    if fail_on == 'warn':
        return row['status'] in ('fail', 'error', 'warn')
    return row['status'] == 'error' or (row['requirement'] == 'mandatory' and row['status'] == 'fail')
