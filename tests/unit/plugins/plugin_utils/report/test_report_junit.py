# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""JUnit rendering of waived rows: never a plain passing testcase, and a waived error stays visible as an error.

Ground truth: rows written here (a waived fail, a waived error, an unwaived error, a pass).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ansible_collections.safeq.preflight.plugins.plugin_utils.report import _report_junit


def _row(entry_id, status, reason, waiver=None):
    row = {'id': entry_id, 'title': entry_id, 'area': 'database', 'owner': 'dba', 'status': status, 'reason': reason,
           'detail': '%s detail' % entry_id, 'remediation': 'fix it', 'source': 'checklist'}
    if waiver:
        row['waiver'] = waiver
    return row


def _cases(rows):
    report = {'run': {'finished': '2026-11-30T04:00:00Z'}, 'site': {'entries': rows}, 'hosts': []}
    root = ET.fromstring(_report_junit.render_junit(report).split('\n', 1)[1])
    return {case.get('name').split(':')[0]: case for case in root.iter('testcase')}, root


def test_a_waived_row_is_skipped_naming_its_status_and_the_justification():
    waiver = {'id': 'db.*', 'justification': 'DBA ticket 42', 'expires': '2026-12-31'}
    cases, root = _cases([_row('db.fail', 'fail', 'closed', waiver), _row('db.error', 'error', 'probe-error', waiver),
                          _row('db.open', 'error', 'probe-error'), _row('db.ok', 'pass', 'tds-prelogin')])
    for entry, status, reason in (('db.fail', 'fail', 'closed'), ('db.error', 'error', 'probe-error')):
        skipped = cases[entry].find('skipped')
        assert skipped is not None, '%s: a waived row was a plain passing testcase' % entry
        assert skipped.get('message') == 'waived %s (%s): DBA ticket 42 (expires 2026-12-31)' % (status, reason)
        assert cases[entry].find('failure') is None and cases[entry].find('error') is None
    assert cases['db.open'].find('error') is not None and cases['db.ok'].find('skipped') is None
    assert (root.get('errors'), root.get('skipped'), root.get('failures')) == ('1', '2', '0')
