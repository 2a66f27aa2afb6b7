# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Writing the report files (JSON, JUnit XML, Markdown, HTML) and the console summary. PRIVATE to this collection."""

from __future__ import annotations

import json
import os
import tempfile

from ansible_collections.safeq.preflight.plugins.module_utils._findings import STATUSES
from ansible_collections.safeq.preflight.plugins.plugin_utils._report_html import render_html
from ansible_collections.safeq.preflight.plugins.plugin_utils._report_junit import render_junit
from ansible_collections.safeq.preflight.plugins.plugin_utils import _report_flows

EXTENSIONS = {'json': '.json', 'junit': '.junit.xml', 'markdown': '.md', 'html': '.html', 'change_csv': '.firewall-changes.csv',
              'change_md': '.firewall-changes.md'}


def _md(text):
    return str(text).replace('|', '\\|').replace('\n', ' ')


def render_markdown(report):
    """The report as Markdown: summary, blocking entries, per-host problems, full matrix."""
    run, summary = report['run'], report['summary']
    hosts = [h['name'] for h in report['hosts']]
    out = ['# SafeQ CML pre-installation check', '',
           '**Verdict: %s** (%d blocking) - finished %s - check mode: %s - exit policy: %s'
           % (summary['verdict'].upper(), summary['blocking_count'], run.get('finished'), run.get('check_mode'), run.get('fail_on')), '',
           '| Host | %s |' % ' | '.join(STATUSES), '|---|%s' % '---|' * len(STATUSES)]
    for host in hosts:
        out.append('| %s | %s |' % (host, ' | '.join(str(summary['by_host'][host][s]) for s in STATUSES)))
    out += ['', '## Blocking', '']
    out += ['- **%s** `%s` %s (%s): %s' % (b['host'], b['id'], b['status'], b['reason'], _md(b['remediation'])) for b in report['blocking']] or ['None.']
    for host in report['hosts']:
        problems = [r for r in host['entries'] if r['status'] in ('fail', 'error', 'warn')]
        out += ['', '## %s (%s)%s' % (host['name'], host['server_role'], '' if host['reachable'] else ' - unreachable'), '']
        if not problems:
            out.append('No failing, erroring or warning entry.')
            continue
        out += ['| Status | Entry | Observed | Remediation |', '|---|---|---|---|']
        out += ['| %s%s | `%s` | %s | %s |' % (r['status'], ' (waived)' if r.get('waiver') else '', r['id'], _md(r['detail']), _md(r['remediation']))
                for r in problems]
    out += ['', '## Matrix', '', '| Entry | %s |' % ' | '.join(hosts), '|---|%s' % '---|' * len(hosts)]
    entries = report['hosts'][0]['entries'] if report['hosts'] else []
    for index, entry in enumerate(entries):
        out.append('| `%s` | %s |' % (entry['id'], ' | '.join(h['entries'][index]['status'] for h in report['hosts'])))
    return '\n'.join(out) + '\n'


def _atomic_write(path, text):
    directory = os.path.dirname(path)
    handle, temp = tempfile.mkstemp(dir=directory, prefix='.' + os.path.basename(path) + '.')
    try:
        with os.fdopen(handle, 'w', encoding='utf-8') as stream:
            stream.write(text)
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


def write_reports(report, directory, basename='safeq-preflight'):
    """Write every format to ``directory``; return {format: path}. Raises OSError naming the path."""
    os.makedirs(directory, exist_ok=True)
    renderers = {'json': lambda r: json.dumps(r, indent=2, sort_keys=False) + '\n', 'junit': render_junit,
                 'markdown': render_markdown, 'html': lambda r: _report_flows.with_matrix(render_html(r), r),
                 # the network matrix's firewall change request, beside the report (_report_flows)
                 'change_csv': _report_flows.render_csv, 'change_md': _report_flows.render_markdown}
    paths = {}
    for kind, render in renderers.items():
        path = os.path.join(directory, basename + EXTENSIONS[kind])
        _atomic_write(path, render(report))
        paths[kind] = path
    return paths


def console_summary(report):
    """A compact text summary for the end of the play."""
    summary = report['summary']
    lines = ['SafeQ pre-installation check: %s (%d blocking, exit policy %s)'
             % (summary['verdict'].upper(), summary['blocking_count'], report['run'].get('fail_on')),
             '  ' + ', '.join('%s %d' % (s, summary['by_status'][s]) for s in STATUSES)]
    for host in report['hosts']:
        counts = summary['by_host'][host['name']]
        lines.append('  %-20s worst %-6s %s%s' % (host['name'], counts['worst'], ' '.join('%s=%d' % (s, counts[s]) for s in STATUSES if counts[s]),
                                                  '' if host['reachable'] else '  UNREACHABLE: ' + host['message']))
    if report['blocking']:
        lines.append('Blocking:')
        unreachable = {h['name'] for h in report['hosts'] if not h['reachable']}
        for host in unreachable:
            count = sum(1 for b in report['blocking'] if b['host'] == host)
            lines.append('  %s: %d applicable entries are errors because the host is unreachable' % (host, count))
        shown = [b for b in report['blocking'] if b['host'] not in unreachable]
        lines += ['  %s %s %s (%s): %s' % (b['host'], b['id'], b['status'], b['reason'], b['remediation']) for b in shown[:40]]
        if len(shown) > 40:
            lines.append('  ... and %d more (see the report)' % (len(shown) - 40))
    return '\n'.join(lines)
