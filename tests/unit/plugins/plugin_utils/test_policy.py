# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Waivers, attestations and exit policy: validation messages and effects."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.safeq.preflight.plugins.plugin_utils import _policy

TODAY = datetime.date(2026, 11, 24)
IDS = ['server.admin-rights', 'server.external-db-accounts', 'net.other.udp-1434-cml-db']


@pytest.mark.parametrize('waivers, message', [
    ('all', "safeq_waivers: must be a list of waivers, got 'all'"),
    ([{'id': 'server.admin-rights'}], "safeq_waivers[0]: 'justification' is required (id 'server.admin-rights')"),
    ([{'id': 'server.admin-rights', 'justification': '  '}], "'justification' is required"),
    ([{'id': 'server.nope', 'justification': 'x'}], "safeq_waivers[0].id: 'server.nope' is not a catalogue entry id"),
    ([{'id': 'server.admin-rights', 'justification': 'x', 'expires': '2026-13-01'}], "safeq_waivers[0].expires: '2026-13-01' is not a date"),
    ([{'id': 'server.admin-rights', 'justification': 'x', 'expires': '31.12.2026'}], "'31.12.2026' is not a date"),
    ([{'id': 'server.admin-rights', 'justification': 'x', 'hosts': 'cml1'}], "safeq_waivers[0].hosts: must be 'all' or a non-empty list"),
    ([{'id': 'server.admin-rights', 'justification': 'x', 'color': 'red'}], 'safeq_waivers[0]: unknown key(s) color'),
    (['server.admin-rights'], "safeq_waivers[0]: must be a mapping, got 'server.admin-rights'"),
])
def test_bad_waivers_get_clear_messages(waivers, message):
    messages = _policy.validate_waivers(waivers, IDS, TODAY)
    assert any(message in m for m in messages), messages


def test_good_waivers_and_patterns_validate():
    assert _policy.validate_waivers([{'id': 'server.*', 'hosts': ['cml2'], 'justification': 'x', 'expires': '2027-01-01'},
                                     {'id': '*', 'hosts': 'all', 'justification': 'y'}], IDS, TODAY) == []
    assert _policy.validate_waivers([{'id': 'ldap.*', 'justification': 'x'}], IDS, TODAY) == [
        "safeq_waivers[0].id: 'ldap.*' is not a catalogue entry id and matches none"]


@pytest.mark.parametrize('attestations, message', [
    ([{'id': 'server.external-db-accounts', 'date': '2026-11-01'}], "safeq_attestations[0]: 'by' is required"),
    ([{'id': 'server.external-db-accounts', 'by': 'dba'}], "safeq_attestations[0]: 'date' is required"),
    ([{'id': 'server.external-db-accounts', 'by': 'dba', 'date': '2026-02-30'}], "safeq_attestations[0].date: '2026-02-30' is not a date"),
    ([{'id': 'server.external-db-accounts', 'by': 'dba', 'date': '2027-01-01'}], 'safeq_attestations[0].date: 2027-01-01 is in the future'),
    ([{'id': 'x.y', 'by': 'dba', 'date': '2026-11-01'}], "safeq_attestations[0].id: 'x.y' is not a catalogue entry id"),
])
def test_bad_attestations_get_clear_messages(attestations, message):
    messages = _policy.validate_attestations(attestations, IDS, TODAY)
    assert any(message in m for m in messages), messages


def _row(status, requirement='mandatory', applicable=True):
    return {'id': 'server.admin-rights', 'status': status, 'reason': 'r', 'detail': 'd', 'requirement': requirement, 'applicable': applicable}


def test_waiver_applies_per_host_and_expires():
    waivers = [{'id': 'server.*', 'hosts': ['cml2'], 'justification': 'golden image', 'expires': '2026-12-31'}]
    assert _policy.apply_waivers(_row('fail'), 'cml2', waivers, TODAY)['waiver']['justification'] == 'golden image'
    assert 'waiver' not in _policy.apply_waivers(_row('fail'), 'cml1', waivers, TODAY)
    expired = _policy.apply_waivers(_row('fail'), 'cml2', waivers, datetime.date(2027, 1, 1))
    assert 'waiver' not in expired and expired['waiver_expired']['expires'] == '2026-12-31'
    assert 'waiver expired on 2026-12-31' in expired['detail']
    assert 'waiver' not in _policy.apply_waivers(_row('pass'), 'cml2', waivers, TODAY)


def test_attestation_turns_manual_into_attested_pass_only():
    attestations = [{'id': 'server.admin-rights', 'by': 'J. Novak', 'date': '2026-11-20', 'note': 'checked'}]
    row = _policy.apply_attestations(_row('manual'), 'cml1', attestations)
    assert (row['status'], row['reason']) == ('pass', 'attested') and 'Attested by J. Novak on 2026-11-20' in row['detail']
    ignored = _policy.apply_attestations(_row('fail'), 'cml1', attestations)
    assert ignored['status'] == 'fail' and 'does not apply' in ignored['attestation_ignored']['reason']


@pytest.mark.parametrize('row, fail_on, blocking', [
    (_row('fail'), 'fail', True),
    (_row('error'), 'fail', True),
    (_row('warn'), 'fail', False),
    (_row('fail', 'optional'), 'fail', False),
    # error = could not evaluate: never a pass, whatever the requirement (an optional entry's error blocked nothing before)
    (_row('error', 'optional'), 'fail', True),
    (_row('error', 'recommended'), 'fail', True),
    (dict(_row('error', 'optional'), waiver={'id': 'x'}), 'fail', False),
    (_row('error', 'optional'), 'never', False),
    (_row('fail', 'optional'), 'warn', True),
    (_row('warn', 'recommended'), 'warn', True),
    (_row('fail'), 'never', False),
    (_row('fail', applicable=False), 'fail', False),
    (dict(_row('fail'), waiver={'id': 'x'}), 'fail', False),
    (_row('manual'), 'warn', False),
])
def test_exit_policy(row, fail_on, blocking):
    assert _policy.is_blocking(row, fail_on) is blocking
