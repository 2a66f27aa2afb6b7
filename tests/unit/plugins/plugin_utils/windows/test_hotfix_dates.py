# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hotfix installation dates as Windows stores them (Win32_QuickFixEngineering.InstalledOn), parsed on the controller."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.safeq.preflight.plugins.plugin_utils.windows import _hotfix_dates


@pytest.mark.parametrize('raw, expected', [
    ('12/17/2017', datetime.date(2017, 12, 17)),    # the provider's M/d/yyyy (zeffy/wufuc#128)
    ('17/12/2017', datetime.date(2017, 12, 17)),    # en-GB d/M/yyyy: 17 cannot be a month
    ('14.11.2026', datetime.date(2026, 11, 14)),    # de-DE and cs-CZ short dates
    ('3.2.2026', datetime.date(2026, 2, 3)),
    ('14. 11. 2026', datetime.date(2026, 11, 14)),  # cs-CZ with spaces
    ('3. 2. 2026', datetime.date(2026, 2, 3)),
    ('14-11-2026', datetime.date(2026, 11, 14)),    # nl-NL
    ('2026/11/14', datetime.date(2026, 11, 14)),
    ('5/5/2026', datetime.date(2026, 5, 5)),        # both readings are the same day
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
    with pytest.raises(ValueError, match='not a date'):
        _hotfix_dates.parse_installed_on('31.2.2026')


@pytest.mark.parametrize('raw, readings', [
    ('4/11/2017', ['2017-04-11', '2017-11-04']),   # M/d (zeffy/wufuc#92) or a localised d/M: both possible
    ('11/12/2026', ['2026-11-12', '2026-12-11']),
    ('12/17/2017', ['2017-12-17']),
    ('12.11.2026', ['2026-11-12']),                # de-DE: day first
    ('12. 11. 2026', ['2026-11-12']),              # cs-CZ: day first
])
def test_readings_of_a_raw_value(raw, readings):
    assert [day.isoformat() for day in _hotfix_dates.installed_on_readings(raw)] == readings
    if len(readings) > 1:
        with pytest.raises(ValueError, match='ambiguous'):
            _hotfix_dates.parse_installed_on(raw)


def test_a_reading_in_the_future_is_dropped():
    facts = {'hotfixes': [{'id': 'KB1', 'installed_on_raw': '11/12/2026'}], 'errors': {}}
    out = _hotfix_dates.normalise(facts, datetime.date(2026, 11, 24))
    assert (out['hotfixes'][0]['installed_on'], out['hotfixes'][0]['installed_on_latest']) == ('2026-11-12', '2026-11-12')
    later = _hotfix_dates.normalise(facts, datetime.date(2027, 1, 5))
    assert (later['hotfixes'][0]['installed_on'], later['hotfixes'][0]['installed_on_latest']) == ('2026-11-12', '2026-12-11')


def test_cbs_packages_give_unambiguous_dates():
    stamp = int((datetime.datetime(2026, 1, 10, 9, 41, 17) - datetime.datetime(1601, 1, 1)).total_seconds()) * 10 ** 7
    low = stamp & 0xFFFFFFFF
    packages = [{'name': 'Package_for_RollupFix~31bf3856ad364e35~amd64~~17763.5329.1.11', 'current_state': 112,
                 'install_time_high': stamp >> 32, 'install_time_low': low - (1 << 32) if low >= 1 << 31 else low},
                {'name': 'Package_for_KB5034127~31bf3856ad364e35~amd64~~17763.5329.1.11', 'current_state': 112,
                 'install_time_high': stamp >> 32, 'install_time_low': low - (1 << 32) if low >= 1 << 31 else low},
                {'name': 'Package_for_KB1~x', 'current_state': 80, 'install_time_high': 1, 'install_time_low': 1},
                {'name': 'Package_for_KB2~x', 'current_state': 112, 'install_time_high': None, 'install_time_low': None}]
    out = _hotfix_dates.normalise({'hotfixes': [{'id': 'KB5034127', 'installed_on_raw': '1/10/2026'}], 'update_packages': packages,
                                   'errors': {}}, datetime.date(2026, 11, 24))
    # an installed cumulative update dates the node alone
    assert [(h['id'], h['installed_on'], h['installed_on_latest'], h['source']) for h in out['hotfixes']] == [
        ('Package_for_RollupFix', '2026-01-10', '2026-01-10', 'cbs')] and out['hotfix_basis'] == 'rollup'
    out = _hotfix_dates.normalise({'hotfixes': [{'id': 'KB5034127', 'installed_on_raw': '1/10/2026'}], 'update_packages': packages[1:],
                                   'errors': {}}, datetime.date(2026, 11, 24))
    assert [(h['id'], h['installed_on'], h['source']) for h in out['hotfixes']] == [('KB5034127', '2026-01-10', 'cbs')]


def test_normalise_gives_the_evaluator_iso_dates_and_drops_undated_updates():
    facts = {'hotfixes': [{'id': 'KB1', 'description': 'Update', 'installed_on_raw': '1/10/2026'},
                          {'id': 'KB2', 'description': 'Security Update', 'installed_on_raw': '14.11.2026'},
                          {'id': 'KB3', 'description': 'Update', 'installed_on_raw': ''}], 'errors': {}}
    out = _hotfix_dates.normalise(facts, datetime.date(2026, 11, 24))
    assert out['hotfixes'] == [{'id': 'KB2', 'description': 'Security Update', 'installed_on': '2026-11-14', 'installed_on_latest': '2026-11-14',
                                'source': 'wmi', 'installed_on_raw': '14.11.2026'},
                               {'id': 'KB1', 'description': 'Update', 'installed_on': '2026-01-10', 'installed_on_latest': '2026-10-01',
                                'source': 'wmi', 'installed_on_raw': '1/10/2026'}]
    assert facts['hotfixes'][0]['installed_on_raw'] == '1/10/2026', 'the input is not changed'


def test_normalise_when_no_date_can_be_read_is_an_error_not_no_updates():
    out = _hotfix_dates.normalise({'hotfixes': [{'id': 'KB1', 'installed_on_raw': 'Do., 12. Nov'}], 'errors': {}})
    assert out['hotfixes'] is None and 'Do., 12. Nov' in out['errors']['hotfixes']
    assert _hotfix_dates.normalise({'hotfixes': None, 'errors': {'hotfixes': 'x'}})['hotfixes'] is None


def test_a_kb_listed_twice_keeps_its_newer_date():
    facts = {'hotfixes': [{'id': 'KB7', 'installed_on_raw': '2026-11-01'}, {'id': 'KB7', 'installed_on_raw': '2026-03-01'}], 'errors': {}}
    assert [h['installed_on'] for h in _hotfix_dates.normalise(facts, datetime.date(2026, 11, 24))['hotfixes']] == ['2026-11-01']


def test_the_servicing_store_dates_updates_when_wmi_failed():
    stamp = int((datetime.datetime(2026, 11, 12, 3, 0) - datetime.datetime(1601, 1, 1)).total_seconds()) * 10 ** 7
    package = {'name': 'Package_for_RollupFix~x', 'current_state': 112, 'install_time_high': stamp >> 32,
               'install_time_low': (stamp & 0xFFFFFFFF) - (1 << 32) if stamp & 0x80000000 else stamp & 0xFFFFFFFF}
    facts = {'hotfixes': None, 'update_packages': [package], 'errors': {'hotfixes': 'Invalid class'}}
    out = _hotfix_dates.normalise(facts, datetime.date(2026, 11, 24))
    assert [(h['id'], h['installed_on']) for h in out['hotfixes']] == [('Package_for_RollupFix', '2026-11-12')]
    assert _hotfix_dates.normalise({'hotfixes': None, 'update_packages': None, 'errors': {}})['hotfixes'] is None


def test_a_filetime_past_the_year_9999_is_no_date_not_a_traceback():
    assert _hotfix_dates.filetime_date(0xFFFFFFFFFFFFFFFF) is None
    with pytest.raises(ValueError, match='not a date'):  # the raw InstalledOn value: unknown, reported as such
        _hotfix_dates.installed_on_readings('FFFFFFFFFFFFFFFF')
    out = _hotfix_dates.normalise({'hotfixes': [{'id': 'KB1', 'installed_on_raw': 'FFFFFFFFFFFFFFFF'}], 'errors': {}},
                                  datetime.date(2026, 11, 24))
    assert out['hotfixes'] is None and 'FFFFFFFFFFFFFFFF' in out['errors']['hotfixes']
    # a CBS package with both halves -1 (0xFFFFFFFF each): skipped, the other package still dates the node
    stamp = int((datetime.datetime(2026, 11, 1) - datetime.datetime(1601, 1, 1)).total_seconds()) * 10 ** 7
    packages = [{'name': 'Package_for_KB1~x', 'current_state': 112, 'install_time_high': -1, 'install_time_low': -1},
                {'name': 'Package_for_KB2~x', 'current_state': 112, 'install_time_high': stamp >> 32, 'install_time_low': stamp & 0xFFFFFFFF}]
    assert _hotfix_dates.package_date(packages[0]) is None
    out = _hotfix_dates.normalise({'hotfixes': [], 'update_packages': packages, 'errors': {}}, datetime.date(2026, 11, 24))
    assert [(h['id'], h['installed_on']) for h in out['hotfixes']] == [('KB2', '2026-11-01')]
