# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Self-contained HTML rendering of the report (no external assets, printable). PRIVATE to this collection."""

from __future__ import annotations

from html import escape

from ansible_collections.safeq.preflight.plugins.module_utils._findings import SEVERITY, STATUSES

SYMBOLS = {'pass': '\u2714 PASS', 'warn': '\u26a0 WARN', 'fail': '\u2716 FAIL', 'skip': '\u2013 SKIP', 'error': '\u203c ERROR',
           'manual': '\u270e MANUAL'}
CSS = """
body{font-family:Segoe UI,Helvetica,Arial,sans-serif;margin:1.5em;color:#1b1b1b}
h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:2px solid #ccc}
.meta{color:#555;font-size:.9em}table{border-collapse:collapse;margin:.6em 0;font-size:.85em}
th,td{border:1px solid #bbb;padding:.25em .45em;text-align:left;vertical-align:top}th{background:#eee}
.s{font-weight:600;white-space:nowrap}.pass{background:#d6f0d6}.warn{background:#fff0c2}.fail{background:#f7c6c6}
.error{background:#e9c6f0}.skip{background:#eeeeee;color:#666}.manual{background:#d4e4f7}
.verdict{display:inline-block;padding:.3em .8em;font-weight:700;border:2px solid #333}
.blocked{background:#f7c6c6}.passed{background:#d6f0d6}.waived{text-decoration:line-through}
.src{color:#555;font-size:.85em;white-space:pre-wrap}td.id{white-space:nowrap;font-family:Consolas,monospace}
@media print{body{margin:0;font-size:9pt}h2{page-break-after:avoid}tr{page-break-inside:avoid}
.pass,.warn,.fail,.error,.skip,.manual,.verdict{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
"""


def _cell(row):
    label = SYMBOLS[row['status']]
    extra = ' waived' if row.get('waiver') else ''
    title = '%s: %s' % (row['reason'], row['detail'])
    return '<td class="s %s%s" title="%s">%s%s</td>' % (row['status'], extra, escape(title), label, ' (W)' if row.get('waiver') else '')


def _problems(report):
    rows = []
    for host in report['hosts']:
        for row in host['entries']:
            if row['status'] in ('fail', 'error', 'warn'):
                rows.append((SEVERITY[row['status']], bool(row.get('waiver')), host['name'], row))
    rows.sort(key=lambda item: (item[1], item[0], item[2], item[3]['id']))
    return rows


def render_html(report):
    """The report as one self-contained HTML page."""
    run, summary = report['run'], report['summary']
    hosts = [h['name'] for h in report['hosts']]
    out = ['<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           '<title>SafeQ CML pre-installation check</title><style>%s</style></head><body>' % CSS,
           '<h1>SafeQ CML pre-installation check</h1>',
           '<p class="meta">Finished %s &middot; safeq.preflight %s &middot; ansible-core %s &middot; check mode: %s &middot; exit policy: %s</p>'
           % tuple(escape(str(run.get(k, ''))) for k in ('finished', 'collection_version', 'ansible_core_version', 'check_mode', 'fail_on')),
           '<p><span class="verdict %s">%s</span> %d blocking finding(s)</p>'
           % (summary['verdict'], escape(summary['verdict'].upper()), summary['blocking_count'])]
    out.append('<table><tr><th>Host</th>%s</tr>' % ''.join('<th>%s</th>' % SYMBOLS[s] for s in STATUSES))
    for host in hosts:
        counts = summary['by_host'][host]
        out.append('<tr><td>%s</td>%s</tr>' % (escape(host), ''.join('<td class="%s">%d</td>' % (s, counts[s]) for s in STATUSES)))
    out.append('</table>')
    out.append('<h2>Findings to act on (errors and failures first, waived last)</h2>')
    problems = _problems(report)
    if problems:
        out.append('<table><tr><th>Status</th><th>Host</th><th>Entry</th><th>Observed</th><th>Remediation</th></tr>')
        for dummy, waived, host, row in problems:
            note = '<br><em>Waived: %s</em>' % escape(row['waiver']['justification']) if waived else ''
            out.append('<tr>%s<td>%s</td><td class="id">%s<br>%s</td><td>%s%s</td><td>%s</td></tr>' % (
                _cell(row), escape(host), escape(row['id']), escape(row['title']), escape(row['detail']), note, escape(row['remediation'])))
        out.append('</table>')
    else:
        out.append('<p>No failing, erroring or warning entry.</p>')
    out.append('<h2>Node &times; check matrix</h2><table><tr><th>Entry</th><th>Req.</th>%s</tr>'
               % ''.join('<th>%s</th>' % escape(h) for h in hosts))
    entries = report['hosts'][0]['entries'] if report['hosts'] else []
    for index, entry in enumerate(entries):
        cells = ''.join(_cell(host['entries'][index]) for host in report['hosts'])
        out.append('<tr><td class="id">%s<div class="src">%s</div></td><td>%s</td>%s</tr>'
                   % (escape(entry['id']), escape(entry['title']), escape(entry['requirement']), cells))
    out.append('</table><p class="meta">Legend: %s. (W) = waived. Every checklist line appears for every host; '
               'an entry no check evaluated is MANUAL, never PASS.</p></body></html>' % ', '.join(SYMBOLS[s] for s in STATUSES))
    return '\n'.join(out) + '\n'
