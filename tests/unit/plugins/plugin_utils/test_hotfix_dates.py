# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hotfix installation dates as Windows stores them (Win32_QuickFixEngineering.InstalledOn), parsed on the controller."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.safeq.preflight.plugins.plugin_utils import _hotfix_dates


@pytest.mark.parametrize('raw, expected', [
    ('4/11/2017', datetime.date(2017, 4, 11)),      # the provider's M/d/yyyy (zeffy/wufuc#92)
    ('12/17/2017', datetime.date(2017, 12, 17)),
    ('17/12/2017', datetime.date(2017, 12, 17)),    # en-GB d/M/yyyy: 17 cannot be a month
    ('14.11.2026', datetime.date(2026, 11, 14)),    # de-DE and cs-CZ short dates
    ('3.2.2026', datetime.date(2026, 2, 3)),
    ('2026-11-14', datetime.date(2026, 11, 14)),
    ('20261114', datetime.date(2026, 11, 14)),
    ('01cb2d0a5e2f1a00', datetime.date(2010, 7, 26)),  # FILETIME (before Windows 7)
    ('', None),
    ('   ', None),
])
def test_raw_installed_on_values(raw, expected):
    assert _hotfix_dates.parse_installed_on(raw) == expected


def test_unknown_text_is_refused():
    with pytest.raises(ValueError, match='unrecognised'):
        _hotfix_dates.parse_installed_on('gestern')


def test_normalise_gives_the_evaluator_iso_dates_and_drops_undated_updates():
    facts = {'hotfixes': [{'id': 'KB1', 'description': 'Update', 'installed_on_raw': '1/10/2026'},
                          {'id': 'KB2', 'description': 'Security Update', 'installed_on_raw': '14.11.2026'},
                          {'id': 'KB3', 'description': 'Update', 'installed_on_raw': ''}], 'errors': {}}
    out = _hotfix_dates.normalise(facts)
    assert out['hotfixes'] == [{'id': 'KB2', 'description': 'Security Update', 'installed_on': '2026-11-14'},
                               {'id': 'KB1', 'description': 'Update', 'installed_on': '2026-01-10'}]
    assert facts['hotfixes'][0]['installed_on_raw'] == '1/10/2026', 'the input is not changed'


def test_normalise_when_no_date_can_be_read_is_an_error_not_no_updates():
    out = _hotfix_dates.normalise({'hotfixes': [{'id': 'KB1', 'installed_on_raw': 'Do., 12. Nov'}], 'errors': {}})
    assert out['hotfixes'] is None and 'Do., 12. Nov' in out['errors']['hotfixes']
    assert _hotfix_dates.normalise({'hotfixes': None, 'errors': {'hotfixes': 'x'}})['hotfixes'] is None
