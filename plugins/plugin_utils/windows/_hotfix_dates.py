# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Installation dates of Windows updates, parsed on the controller from the raw values the gather returns.

PRIVATE to this collection. Two sources, both raw:

- ``update_packages``: the servicing store's update packages (CBS ``Package_for_KB*``, ``Package_for_RollupFix*``,
  ``Package_for_ServicingStack*``) with ``CurrentState`` 112 (installed) and ``InstallTimeHigh``/``InstallTimeLow``,
  the halves of a UTC FILETIME: unambiguous, and preferred for the updates it knows.
- ``hotfixes``: ``Win32_QuickFixEngineering.InstalledOn``, a string. Get-HotFix's getter parses it with the node's
  culture (it throws or swaps day and month on de-DE or en-GB), so the gather returns it raw
  (``installed_on_raw``) and this module reads it without guessing:

  - ``M/d/yyyy`` (what the WMI provider usually writes: ``4/11/2017``); when the first number cannot be a month
    (``17/12/2017``) it is ``d/M/yyyy``; when both numbers can be a month and differ (``11/12/2026``) the value is
    ambiguous, because a localised provider may write ``d/M``: both readings are kept;
  - ``d.M.yyyy`` and ``d. M. yyyy`` (German and Czech short dates: ``14.11.2026``, ``14. 11. 2026``): day first;
  - ``d-M-yyyy`` (Dutch): as the slash form;
  - ``yyyy-MM-dd``, ``yyyy/MM/dd`` and ``yyyyMMdd``;
  - a 16-digit hexadecimal FILETIME (before Windows 7);
  - empty: the update has no recorded date and is left out.

  A reading later than the controller's today (plus a day) is impossible and dropped.
"""

from __future__ import annotations

import datetime
import re

_DAY_MONTH_RE = re.compile(r'^(\d{1,2})[/-](\d{1,2})[/-](\d{4})$')
_DOT_RE = re.compile(r'^(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4})$')
_ISO_RE = re.compile(r'^(\d{4})[-/]?(\d{2})[-/]?(\d{2})$')
_FILETIME_RE = re.compile(r'^[0-9A-Fa-f]{15,16}$')
_FILETIME_EPOCH = datetime.datetime(1601, 1, 1)
CBS_INSTALLED = 112  # CurrentState of an installed package (80 = superseded)
_KB_RE = re.compile(r'KB\d+', re.IGNORECASE)


def _date(year, month, day):
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def installed_on_readings(raw):
    """The possible dates of a raw InstalledOn string (one, or two when day and month cannot be told apart), an empty
    list when it is empty; raises ValueError when it is not understood."""
    text = str(raw or '').strip()
    if not text:
        return []
    match = _DAY_MONTH_RE.match(text)
    if match:
        first, second, year = (int(part) for part in match.groups())
        readings = [_date(year, first, second), _date(year, second, first)]
    else:
        match = _DOT_RE.match(text)
        if match:
            day, month, year = (int(part) for part in match.groups())
            readings = [_date(year, month, day)]
        elif _ISO_RE.match(text):
            readings = [_date(*(int(part) for part in _ISO_RE.match(text).groups()))]
        elif _FILETIME_RE.match(text):
            readings = [filetime_date(int(text, 16))]
        else:
            raise ValueError('unrecognised InstalledOn value %r' % text)
    readings = sorted({day for day in readings if day is not None})
    if not readings:
        raise ValueError('InstalledOn value %r is not a date' % text)
    return readings


def parse_installed_on(raw):
    """The date of an unambiguous raw InstalledOn string, None when it is empty; raises ValueError when it is not
    understood or could be two dates."""
    readings = installed_on_readings(raw)
    if len(readings) > 1:
        raise ValueError('InstalledOn value %r is ambiguous (%s)' % (raw, ' or '.join(d.isoformat() for d in readings)))
    return readings[0] if readings else None


def filetime_date(value):
    """The UTC date of a FILETIME (100 ns intervals since 1601-01-01), None when it lies past the year 9999 (such as
    0xFFFFFFFFFFFFFFFF, a "no time" marker): Python's dates end there."""
    try:
        return (_FILETIME_EPOCH + datetime.timedelta(microseconds=int(value) // 10)).date()
    except OverflowError:
        return None


def package_date(package):
    """The install date of an installed CBS update package, None when it is not installed or carries no time."""
    if package.get('current_state') != CBS_INSTALLED or package.get('install_time_high') is None or package.get('install_time_low') is None:
        return None
    value = (int(package['install_time_high']) & 0xFFFFFFFF) << 32 | (int(package['install_time_low']) & 0xFFFFFFFF)
    return filetime_date(value) if value else None


ROLLUP_PREFIX = 'Package_for_RollupFix'
SERVICING_STACK_PREFIX = 'Package_for_ServicingStack'


def _package_items(packages):
    """``{id: item}`` of the installed CBS update packages, the newest date per KB (or package name before ``~``)."""
    items = {}
    for package in packages or []:
        day = package_date(package)
        if day is None:
            continue
        name = str(package.get('name') or '')
        match = _KB_RE.search(name)
        ident = match.group(0).upper() if match else name.split('~', maxsplit=1)[0]
        if ident not in items or items[ident]['installed_on'] < day.isoformat():
            items[ident] = {'id': ident, 'name': name, 'description': 'servicing package %s' % name, 'installed_on': day.isoformat(),
                            'installed_on_latest': day.isoformat(), 'source': 'cbs'}
    return items


def _dating_packages(packages):
    """The packages that date the node, and how: with an installed cumulative update (``Package_for_RollupFix*``, state
    112) only the newest of those (a newer servicing stack or other package says nothing about a cumulative update that
    failed or was rolled back: ``basis`` ``rollup``); else every package but the servicing stack updates (``basis``
    ``packages``)."""
    rollup = {ident: item for ident, item in packages.items() if ident.lower().startswith(ROLLUP_PREFIX.lower())}
    if rollup:
        return rollup, 'rollup'
    return {ident: item for ident, item in packages.items() if not ident.lower().startswith(SERVICING_STACK_PREFIX.lower())}, 'packages'


def normalise(facts, today=None):
    """A copy of server facts whose ``hotfixes`` carry ISO dates (the evaluator's shape): ``installed_on`` is the earliest
    reading and ``installed_on_latest`` the latest (equal unless the raw value is ambiguous), ``source`` ``cbs`` or ``wmi``.

    A CBS package date replaces the WMI reading of the same KB. Updates without a date are left out, as Get-HotFix users
    filter them. When no date can be read but some were present, ``hotfixes`` becomes None with the reason in ``errors``
    (the finding is ``error``).
    """
    facts = dict(facts)
    limit = (today or datetime.date.today()) + datetime.timedelta(days=1)
    raw = facts.get('hotfixes')
    packages = _package_items(facts.get('update_packages'))
    if raw is None and not packages:
        return facts
    packages, basis = _dating_packages(packages)
    facts['hotfix_basis'] = basis
    if basis == 'rollup':
        # the newest installed cumulative update alone dates the node: the QFE rows are not read
        facts['hotfixes'] = sorted(packages.values(), key=lambda item: item['installed_on'], reverse=True)[:1]
        return facts
    dated, unknown = dict(packages), []
    for item in raw or []:
        ident = str(item.get('id') or '').upper()
        if ident in packages:
            continue
        try:
            readings = [day for day in installed_on_readings(item.get('installed_on_raw')) if day <= limit]
        except ValueError:
            unknown.append('%s %r' % (item.get('id') or 'an update', item.get('installed_on_raw')) if item.get('id')
                           else str(item.get('installed_on_raw')))
            continue
        key = ident or str(len(dated))
        if readings and (key not in dated or dated[key]['installed_on'] < readings[0].isoformat()):  # a KB listed twice: the newer
            dated[key] = {'id': item.get('id'), 'description': item.get('description'), 'source': 'wmi',
                          'installed_on': readings[0].isoformat(), 'installed_on_latest': readings[-1].isoformat(),
                          'installed_on_raw': item.get('installed_on_raw')}
    if unknown and not dated:
        facts['hotfixes'] = None
        facts['errors'] = dict(facts.get('errors') or {},
                               hotfixes='no installation date could be read (InstalledOn values: %s)' % ', '.join(sorted(set(unknown))[:5]))
        return facts
    facts['hotfixes'] = sorted(dated.values(), key=lambda item: (item['installed_on'], item['installed_on_latest']), reverse=True)
    if unknown:
        facts['hotfixes_undated'] = sorted(set(unknown))  # raw InstalledOn values no date could be read from (named in the finding)
    return facts
