# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""make demo, run twice: the site section, the collapsed unreachable node, owners, and 'since the last run'.

Ground truth: the demo lab (tests/lab/demo.py): cml3 is switched off, and the generated directory of the real slapd
has known defects (duplicate logins and card numbers, users without a department).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.lab import lab


def _demo(report_dir):
    return subprocess.run([sys.executable, os.path.join(lab.REPO_ROOT, 'tests', 'lab', 'demo.py'), '--report-dir', str(report_dir)],
                          capture_output=True, text=True, timeout=900, check=False, cwd=lab.REPO_ROOT)


def test_demo_twice(tmp_path):
    reports = tmp_path / 'reports'
    first = _demo(reports)
    assert first.returncode == 2, first.stdout[-3000:] + first.stderr[-2000:]
    assert 'Since the last run: no previous report in the report directory.' in first.stdout
    report = json.loads((reports / 'safeq-preflight.json').read_text())
    site = {row['id']: row for row in report['site']['entries']}
    # the directory audit: once, from the controller, with its defects as site rows owned by the directory team
    assert report['site']['measured'][0]['module'] == 'ldap_attribute_check' and report['site']['measured'][0]['from'] == 'controller'
    assert {site[i]['status'] for i in ('ldap.login', 'ldap.card-number', 'ldap.department')} == {'fail'}
    assert {site[i]['owner'] for i in ('ldap.login', 'ldap.card-number')} == {'directory'}
    assert [b['host'] for b in report['blocking'] if b['id'] == 'ldap.login'] == [None]
    cml3 = next(h for h in report['hosts'] if h['name'] == 'cml3')
    errors = report['summary']['by_host']['cml3']['error']
    assert not cml3['reachable'] and errors > 0
    assert 'cml3 unreachable: %d checks not run' % errors in first.stdout
    html = (reports / 'safeq-preflight.html').read_text()
    assert 'directory team' in html and 'Windows administrators' in html and 'Site (evaluated once)' in html

    second = _demo(reports)
    assert second.returncode == 2
    again = json.loads((reports / 'safeq-preflight.json').read_text())
    since = again['since_last_run']
    assert since['previous']['file'].endswith('safeq-preflight.previous.json')
    assert since['previous']['finished'] == report['run']['finished']
    problems = sum(1 for row in report['site']['entries'] if row['status'] in ('fail', 'error', 'warn'))
    assert since['counts']['site'] == {'fixed': 0, 'new': 0, 'unchanged': problems}
    assert since['counts']['cml3']['unchanged'] == errors
    assert 'since last run: fixed 0, new 0, unchanged %d' % problems in second.stdout
    assert 'Since the last run (%s)' % report['run']['finished'] in second.stdout
