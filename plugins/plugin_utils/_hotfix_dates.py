# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Installation dates of Windows updates, parsed on the controller from the raw WMI strings.

PRIVATE to this collection. ``Win32_QuickFixEngineering.InstalledOn`` is a string. Get-HotFix's
``InstalledOn`` getter parses it with the node's current culture in Windows PowerShell 5.1, so on a
de-DE or en-GB node it throws or swaps day and month. The gather module therefore returns the raw
string (``installed_on_raw``) and this module parses it, culture-independently:

- ``M/d/yyyy`` (what the WMI provider writes: ``4/11/2017``); when the first number cannot be a month
  (``17/12/2017``) it is read as ``d/M/yyyy``;
- ``d.M.yyyy`` (German and Czech short dates: ``14.11.2026``);
- ``yyyy-MM-dd`` and ``yyyyMMdd``;
- a 16-digit hexadecimal FILETIME (before Windows 7);
- empty: the update has no recorded date and is left out.
"""

from __future__ import annotations

import datetime
import re

_SLASH_RE = re.compile(r'^(\d{1,2})/(\d{1,2})/(\d{4})$')
_DOT_RE = re.compile(r'^(\d{1,2})\.(\d{1,2})\.(\d{4})$')
_ISO_RE = re.compile(r'^(\d{4})-?(\d{2})-?(\d{2})$')
_FILETIME_RE = re.compile(r'^[0-9A-Fa-f]{15,16}$')
_FILETIME_EPOCH = datetime.datetime(1601, 1, 1)


def parse_installed_on(raw):
    """The date of a raw InstalledOn string, None when it is empty; raises ValueError when it is not understood."""
    text = str(raw or '').strip()
    if not text:
        return None
    match = _SLASH_RE.match(text)
    if match:
        first, second, year = (int(part) for part in match.groups())
        if first > 12:
            return datetime.date(year, second, first)
        return datetime.date(year, first, second)
    match = _DOT_RE.match(text)
    if match:
        day, month, year = (int(part) for part in match.groups())
        return datetime.date(year, month, day)
    match = _ISO_RE.match(text)
    if match:
        return datetime.date(*(int(part) for part in match.groups()))
    if _FILETIME_RE.match(text):
        return (_FILETIME_EPOCH + datetime.timedelta(microseconds=int(text, 16) // 10)).date()
    raise ValueError('unrecognised InstalledOn value %r' % text)


def normalise(facts):
    """A copy of server facts whose ``hotfixes`` carry ISO ``installed_on`` dates (the evaluator's shape).

    Updates without a date are left out, as Get-HotFix users filter them. When no date can be parsed but
    some were present, ``hotfixes`` becomes None with the reason in ``errors`` (the finding is ``error``).
    """
    facts = dict(facts)
    raw = facts.get('hotfixes')
    if raw is None:
        return facts
    dated, unknown = [], []
    for item in raw:
        try:
            day = parse_installed_on(item.get('installed_on_raw'))
        except ValueError:
            unknown.append(str(item.get('installed_on_raw')))
            continue
        if day is not None:
            dated.append({'id': item.get('id'), 'description': item.get('description'), 'installed_on': day.isoformat()})
    if unknown and not dated:
        facts['hotfixes'] = None
        facts['errors'] = dict(facts.get('errors') or {},
                               hotfixes='no installation date could be read (InstalledOn values: %s)' % ', '.join(sorted(set(unknown))[:5]))
        return facts
    facts['hotfixes'] = sorted(dated, key=lambda item: item['installed_on'], reverse=True)
    return facts
