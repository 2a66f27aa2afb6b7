# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTML report renders in headless Chromium, and opening it makes no network request."""

from __future__ import annotations

import datetime
import re
import shutil
import socket
import subprocess
import threading

import pytest

from ansible_collections.safeq.preflight.plugins.module_utils._findings import finding
from ansible_collections.safeq.preflight.plugins.plugin_utils import _catalogue
from ansible_collections.safeq.preflight.plugins.plugin_utils.report import _report, _report_render

CHROMIUM = shutil.which('chromium') or shutil.which('chromium-browser')


class _Recorder:
    """A TCP listener standing in as Chromium's proxy: any connection to it is a network request."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(('127.0.0.1', 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                conn, dummy = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


def _report_dir(tmp_path):
    results = {
        'cml1': {'server_role': 'cml', 'reachable': True, 'message': '', 'ran': ['server_check', 'windows_feature_check'], 'findings': [
            finding('server.admin-rights', 'pass', 'elevated-admin', 'LAB\\safeq is an elevated administrator.'),
            finding('server.web-browser', 'warn', 'only-internet-explorer', 'Only Internet Explorer is installed.', 'Install Chrome.'),
            finding('server.antivirus', 'manual', 'defender-unavailable', 'Another antivirus product may be in use.')]},
        'cml2': {'server_role': 'cml', 'reachable': True, 'message': '', 'ran': ['server_check', 'windows_feature_check'], 'findings': [
            finding('server.admin-rights', 'fail', 'not-elevated', 'Token filtered by UAC.', 'Use an elevated session.'),
            finding('server.no-web-server-port-80', 'fail', 'port-80-in-use', 'System (pid 4) listens on TCP 80.', 'Remove IIS.')]},
        'cml3': {'server_role': 'cml', 'reachable': False, 'message': 'connection refused', 'ran': [], 'findings': []},
    }
    run = {'started': 's', 'finished': '2026-11-24T10:00:00+00:00', 'collection_version': '0.1.0', 'ansible_core_version': '2.19.14',
           'check_mode': True, 'inventory_hosts': list(results), 'features': ['external_db'], 'fail_on': 'fail'}
    long_dn = 'CN=' + ','.join('OU=Department-%02d-Without-Spaces' % i for i in range(12)) + ',DC=lab,DC=test'
    results['cml2']['findings'].append(finding('server.shared-folder', 'fail', 'share-unreachable', long_dn, long_dn))
    site = {'ran': ['ldap_attribute_check'], 'measured': [{'module': 'ldap_attribute_check', 'from': 'controller', 'at': '2026-11-24T09:59:00Z'}],
            'findings': [finding('ldap.email', 'fail', 'coverage-below-threshold', '41 users without mail, e.g. ' + long_dn, 'Fill mail.')]}
    report = _report.build_report(results, _catalogue.load(), ['external_db', 'ldap_replication'],
                                  [{'id': 'server.no-web-server-port-80', 'hosts': ['cml2'], 'justification': 'IIS removed in CHG-1'}],
                                  [{'id': 'server.external-db-accounts', 'by': 'DBA', 'date': '2026-11-20', 'note': 'ok'}],
                                  'fail', run, datetime.date(2026, 11, 24), site_result=site)
    return _report_render.write_reports(report, str(tmp_path / 'reports'))


def test_html_report_renders_offline_in_headless_chromium(tmp_path):
    if CHROMIUM is None:
        pytest.fail('chromium is not installed (apt-get install chromium): make system-deps installs it')
    paths = _report_dir(tmp_path)
    html = open(paths['html'], encoding='utf-8').read()
    for needle in ('http://', 'https://', 'src=', '<link', '@import', 'url('):
        assert needle not in html, needle
    recorder = _Recorder()
    screenshot = tmp_path / 'report.png'
    try:
        proc = subprocess.run([
            CHROMIUM, '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
            '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-extensions',
            '--user-data-dir=%s' % (tmp_path / 'profile'), '--proxy-server=127.0.0.1:%d' % recorder.port,
            '--proxy-bypass-list=<-loopback>', '--host-resolver-rules=MAP * ~NOTFOUND',
            '--window-size=1400,1800', '--screenshot=%s' % screenshot, 'file://' + paths['html']],
            capture_output=True, text=True, timeout=120, check=False)
    finally:
        recorder.close()
    assert proc.returncode == 0, proc.stderr[-2000:]
    data = screenshot.read_bytes()
    assert data[:8] == b'\x89PNG\r\n\x1a\n'
    assert len(data) > 20000, 'a rendered page, not a blank image'
    assert recorder.connections == 0, 'opening the report made a network request'


def _chromium(tmp_path, *args):
    return subprocess.run([CHROMIUM, '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
                           '--disable-component-update', '--disable-sync', '--disable-extensions', '--host-resolver-rules=MAP * ~NOTFOUND',
                           '--user-data-dir=%s' % (tmp_path / 'profile')] + list(args), capture_output=True, text=True, timeout=120, check=False)


def test_html_report_fits_a_laptop_width_and_prints(tmp_path):
    """At 1280 px the page has no horizontal overflow (no clipped column); print CSS exists and printing gives a PDF."""
    if CHROMIUM is None:
        pytest.fail('chromium is not installed (apt-get install chromium): make system-deps installs it')
    paths = _report_dir(tmp_path)
    html = open(paths['html'], encoding='utf-8').read()
    assert '@media print' in html and '@page' in html
    # a test-only copy measures the layout with a script (the shipped page has none)
    probe = tmp_path / 'measure.html'
    probe.write_text(html.replace('</body>', '<script>document.body.setAttribute("data-overflow", String('
                                  'document.documentElement.scrollWidth - document.documentElement.clientWidth));'
                                  'document.body.setAttribute("data-width", String(document.documentElement.clientWidth));</script></body>'))
    proc = _chromium(tmp_path, '--window-size=1280,900', '--dump-dom', 'file://%s' % probe)
    assert proc.returncode == 0, proc.stderr[-2000:]
    match = re.search(r'data-overflow="(-?\d+)" data-width="(\d+)"', proc.stdout)
    assert match, proc.stdout[:2000]
    overflow, width = int(match.group(1)), int(match.group(2))
    assert 1200 <= width <= 1280, width
    assert overflow <= 0, 'the page is %d px wider than a 1280 px window' % overflow
    pdf = tmp_path / 'report.pdf'
    proc = _chromium(tmp_path, '--no-pdf-header-footer', '--print-to-pdf=%s' % pdf, 'file://' + paths['html'])
    assert proc.returncode == 0, proc.stderr[-2000:]
    data = pdf.read_bytes()
    assert data[:5] == b'%PDF-' and len(data) > 20000
