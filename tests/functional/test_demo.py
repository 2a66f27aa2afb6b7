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
    # what blocks is what the README names and tests/lab/demo/waivers.yml waives (make demo-waived exits 0): cml2, cml3 and
    # the directory's site rows; the prepared cml1 blocks nothing
    assert {b['host'] for b in report['blocking']} == {'cml2', 'cml3', None}, [b for b in report['blocking'] if b['host'] == 'cml1']
    assert {b['id'].split('.')[0] for b in report['blocking'] if b['host'] is None} == {'ldap'}
    cml3 = next(h for h in report['hosts'] if h['name'] == 'cml3')
    errors = report['summary']['by_host']['cml3']['error']
    assert not cml3['reachable'] and errors > 0
    assert 'cml3 unreachable: %d checks not run' % errors in first.stdout
    html = (reports / 'safeq-preflight.html').read_text()
    assert 'directory team' in html and 'Windows administrators' in html and 'Site (evaluated once)' in html
    # the controller stands in for the workstation network by default: the flow matrix and the firewall change request
    assert '<h2>Flow matrix</h2>' in html
    changes = (reports / 'safeq-preflight.firewall-changes.csv').read_text()
    assert 'net.ws-in.tcp-9000' in changes and 'localhost' in changes, changes[:2000]
    assert (reports / 'safeq-preflight.firewall-changes.md').exists()

    second = _demo(reports)
    assert second.returncode == 2
    again = json.loads((reports / 'safeq-preflight.json').read_text())
    since = again['since_last_run']
    assert since['previous']['file'].endswith('safeq-preflight.previous.json')
    assert since['previous']['finished'] == report['run']['finished']
    problems = sum(1 for row in report['site']['entries'] if row['status'] in ('fail', 'error', 'warn'))
    assert since['counts']['site'] == {'fixed': 0, 'new': 0, 'unchanged': problems, 'not-evaluated': 0, 'first-evaluated': 0}
    assert since['counts']['cml3']['unchanged'] == errors
    assert 'since last run: fixed 0, new 0, unchanged %d, not evaluated this time 0, first evaluated 0' % problems in second.stdout
    assert 'Since the last run (%s)' % report['run']['finished'] in second.stdout


VANTAGES = ('workstation', 'printer', 'terminal_server', 'mps', 'client', 'ap_connector', 'payment_machine', 'recharging_station', 'ors',
            'crs', 'etcd')
# Never probed: active FTP goes to a port the printer picks (any above 1023, no listener can stand on a printer), and the
# multicast row is mDNS to the subnet (a unicast probe says nothing about multicast delivery).
NOT_PROBED = {('net.to-printer.tcp-above-1023-active-ftp', 'not-checked'), ('net.other.udp-5353-ap-connector', 'not-checked')}
# Every row the matrix leaves undecided, and why (docs/network-matrix.md, "Measured on the demo lab"): the rows above; on cml2,
# whose firewall drops what it sends, the Terminal Professional discovery row to the printer (UDP 64099, a service SafeQ
# installs, no responder in the lab): silence from a UDP port cannot be told from a service that ignores the datagram. The
# printer's SNMP rows are decided: the printer is a device in service before SafeQ, its agent must answer the GET, so silence
# fails. The passive FTP range (declared) and CML -> CRS 4139 (the CRS declared running, its reporting listener up in the lab)
# are decided: pass from cml1, fail from cml2 for 4139.
UNDECIDED = {
    'cml1': NOT_PROBED,
    'cml2': NOT_PROBED | {('net.to-printer.udp-64099', 'udp-silent-no-listener')},
}


def test_the_network_matrix_figure_of_the_demo(tmp_path):
    """Every feature, a loopback address per peer, the controller as the vantage point of every peer network: the share of
    applicable port rows decided (pass, warn, fail) per reachable node, and exactly which rows stay undecided and why."""
    command = [sys.executable, os.path.join(lab.REPO_ROOT, 'tests', 'lab', 'demo.py'), '--report-dir', str(tmp_path / 'reports'),
               '--vars', os.path.join(lab.REPO_ROOT, 'tests', 'lab', 'demo', 'matrix.yml')]
    for kind in VANTAGES:
        command += ['--vantage', kind]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=1500, check=False, cwd=lab.REPO_ROOT)
    assert proc.returncode == 2, proc.stdout[-3000:] + proc.stderr[-2000:]
    report = json.loads((tmp_path / 'reports' / 'safeq-preflight.json').read_text())
    decided = total = 0
    for host in report['hosts']:
        if not host['reachable']:
            assert host['name'] == 'cml3'
            continue
        rows = [row for row in host['entries'] if row['implemented_by'] == 'port_check' and row['applicable']]
        undecided = {(row['id'], row['reason']) for row in rows if row['status'] not in ('pass', 'warn', 'fail')}
        assert undecided == UNDECIDED[host['name']], host['name']
        assert {row['status'] for row in rows if (row['id'], row['reason']) in undecided} == {'manual'}
        decided += len(rows) - len(undecided)
        total += len(rows)
        jmx = next(row for row in rows if row['id'] == 'net.ws-in.tcp-19898')  # nothing on loopback blocks it
        assert jmx['reason'] == 'reachable-should-be-blocked'
    assert (decided, total) == (145, 150)  # 97 of every 100 applicable port rows per reachable node (96.7)
    cml1, cml2 = (next(host for host in report['hosts'] if host['name'] == name) for name in ('cml1', 'cml2'))
    rows = {name: {row['id']: row for row in host['entries']} for name, host in (('cml1', cml1), ('cml2', cml2))}
    # the CRS runs (its listener is up in the lab): cml1 reaches it, cml2's firewall drops the flow
    assert (rows['cml1']['net.inter-server.tcp-4139']['status'], rows['cml1']['net.inter-server.tcp-4139']['reason']) == ('pass', 'open')
    assert (rows['cml2']['net.inter-server.tcp-4139']['status'], rows['cml2']['net.inter-server.tcp-4139']['reason']) == ('fail', 'filtered')
    for name in ('cml1', 'cml2'):  # the declared passive range, every port with the node's listener, from the printer vantage point
        ftp = rows[name]['net.printer-in.tcp-above-1023-passive-ftp']
        address = {'cml1': '127.0.0.11', 'cml2': '127.0.0.12'}[name]
        # every port answered through the node's listener, so the path is proven; the Windows Firewall advisory still warns: no
        # allow rule covers the range, so after installation SafeQ's FTP server would be blocked there
        assert (ftp['status'], ftp['reason']) == ('warn', 'firewall-no-allow-rule')
        assert sorted((flow['target'], flow['state']) for flow in ftp['observed']) == [
            ('%s:%d/tcp' % (address, port), 'open') for port in range(50000, 50016)]
    # every flow to either node answered through its listener; cml2 (every flow to it answered) is not re-checked after the
    # probes, so its flows keep their listener as well (an answer is judged the same either way)
    for name in ('cml1', 'cml2'):
        assert {flow['listener'] for flow in rows[name]['net.printer-in.tcp-above-1023-passive-ftp']['observed']} == {True}
    lpr = rows['cml2']['net.ws-in.tcp-515-client']
    assert lpr['status'] == 'warn' and lpr['reason'] == 'firewall-block-rule'  # the advisory names cml2's Block rule for TCP 515
    # allow-rule coverage (report 2.1): cml1's Group Policy rule covers TCP 9100, cml2 has no allow rule for it; no row passes on it
    coverage = {host['name']: {(item['proto'], item['port']): item['profiles'][0] for item in host['firewall_coverage']['ports']}
                for host in report['hosts'] if host['reachable']}
    assert coverage['cml1'][('tcp', 9100)]['state'] == 'allowed' and 'SafeQ web and client ports' in coverage['cml1'][('tcp', 9100)]['allow'][0]
    assert coverage['cml2'][('tcp', 9100)]['state'] == 'not-allowed' and coverage['cml2'][('tcp', 515)]['state'] == 'blocked'
    assert sum(row['reason'] == 'firewall-no-allow-rule' for row in cml2['entries']) == 25  # 24 + the passive FTP range
    # the section lists the declared passive range, port by port, under its row (as the nodes were probed), not "above 1023"
    entries = {(item['proto'], item['port']): item['entries'] for item in cml2['firewall_coverage']['ports']}
    passive = sorted(port for (proto, port) in coverage['cml2'] if 'net.printer-in.tcp-above-1023-passive-ftp' in entries[(proto, port)])
    assert passive == list(range(50000, 50016)) and coverage['cml2'][('tcp', 50000)]['state'] == 'not-allowed'
    html = (tmp_path / 'reports' / 'safeq-preflight.html').read_text()
    assert 'Windows Firewall: inbound allow rules per required port (advisory)' in html
