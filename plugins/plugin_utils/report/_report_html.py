# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Self-contained HTML rendering of the report (no external assets, printable). PRIVATE to this collection."""

from __future__ import annotations

from html import escape

from ansible_collections.safeq.preflight.plugins.module_utils._findings import STATUSES
from ansible_collections.safeq.preflight.plugins.plugin_utils.report import _report_firewall
from ansible_collections.safeq.preflight.plugins.plugin_utils.report import _report_view as _view

SYMBOLS = {'pass': '\u2714 PASS', 'warn': '\u26a0 WARN', 'fail': '\u2716 FAIL', 'skip': '\u2013 SKIP', 'error': '\u203c ERROR',
           'manual': '\u270e MANUAL'}
CSS = """
*{box-sizing:border-box}
body{font-family:Segoe UI,Helvetica,Arial,sans-serif;margin:1.5em;color:#1b1b1b;max-width:100%}
h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:2px solid #ccc}h3{font-size:1.05em;margin:1em 0 .3em}
.meta{color:#555;font-size:.9em}table{border-collapse:collapse;margin:.6em 0;font-size:.85em}
table.wide{width:100%;table-layout:auto}
th,td{border:1px solid #bbb;padding:.25em .45em;text-align:left;vertical-align:top;overflow-wrap:anywhere;word-break:break-word}th{background:#eee}
.s{font-weight:600;white-space:nowrap}.pass{background:#d6f0d6}.warn{background:#fff0c2}.fail{background:#f7c6c6}
.error{background:#e9c6f0}.skip{background:#eeeeee;color:#666}.manual{background:#d4e4f7}
.verdict{display:inline-block;padding:.3em .8em;font-weight:700;border:2px solid #333}
.blocked{background:#f7c6c6}.passed{background:#d6f0d6}.waived{text-decoration:line-through}
.src{color:#555;font-size:.85em;white-space:pre-wrap}td.id{font-family:Consolas,monospace;min-width:14em}
.scroll{max-width:100%;overflow-x:auto}
@media print{@page{size:A4 landscape;margin:12mm}body{margin:0;font-size:8pt}h2,h3{page-break-after:avoid;break-after:avoid}
tr{page-break-inside:avoid;break-inside:avoid}.scroll{overflow:visible}td.id{min-width:0}
.pass,.warn,.fail,.error,.skip,.manual,.verdict{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
"""


def _cell(row):
    label = SYMBOLS[row['status']]
    extra = ' waived' if row.get('waiver') else ''
    title = '%s: %s' % (row['reason'], row['detail'])
    return '<td class="s %s%s" title="%s">%s%s</td>' % (row['status'], extra, escape(title), label, ' (W)' if row.get('waiver') else '')


def _item(item):
    if 'row' not in item:
        return ('<tr><td class="s error">%s</td><td>%s</td><td><strong>%s unreachable: %d checks not run</strong></td><td>%s</td>'
                '<td>Make the node reachable over WinRM and run the check again.</td></tr>'
                % (SYMBOLS['error'], escape(item['host']), escape(item['host']), item['count'], escape(item['message'])))
    row = item['row']
    note = '<br><em>Waived: %s</em>' % escape(row['waiver']['justification']) if item['waived'] else ''
    return '<tr>%s<td>%s</td><td class="id">%s<br>%s</td><td>%s%s</td><td>%s</td></tr>' % (
        _cell(row), escape(_view.where(item)), escape(row['id']), escape(row['title']), escape(row['detail']), note, escape(row['remediation']))


def _since(report):
    since = report.get('since_last_run')
    if not since:
        return ['<p>No previous run in the report directory: nothing to compare with.</p>']
    out = ['<p class="meta">Compared with the run finished %s.</p>' % escape(since['previous']['finished']),
           '<table><tr><th>Where</th>%s</tr>' % ''.join('<th>%s</th>' % escape(label.capitalize()) for label in _view.CHANGE_LABELS.values())]
    out += ['<tr><td>%s</td>%s</tr>' % (escape(where), ''.join('<td>%d</td>' % c[change] for change in _view.CHANGE_LABELS))
            for where, c in since['counts'].items()]
    out.append('</table>')
    for change in ('fixed', 'new', 'not-evaluated', 'first-evaluated'):
        listed = ['%s <code>%s</code> (%s &rarr; %s)' % (escape(c['host'] or 'site'), escape(c['id']), escape(c['previous'] or 'none'),
                                                         escape(c['status'])) for c in since['changes'] if c['change'] == change]
        if listed:
            out.append('<p><strong>%s:</strong> %s</p>' % (escape(_view.CHANGE_LABELS[change].capitalize()), '; '.join(listed)))
    return out


def _site(report):
    out = ['<h2>Site (evaluated once)</h2>', '<p class="meta">Measured: %s</p>' % escape(_view.measured_label(report)),
           '<table class="wide"><tr><th>Status</th><th>Entry</th><th>Owner</th><th>Observed</th></tr>']
    row_html = '<tr>%s<td class="id">%s<br>%s</td><td>%s</td><td>%s</td></tr>'
    out += [row_html % (_cell(r), escape(r['id']), escape(r['title']), escape(r['owner'] or ''), escape(r['detail']))
            for r in report['site']['entries']]
    return out + ['</table>']


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
    out.append('<table><tr><th>Where</th>%s</tr>' % ''.join('<th>%s</th>' % SYMBOLS[s] for s in STATUSES))
    for name, counts in [('site (once)', summary['site'])] + [(host, summary['by_host'][host]) for host in hosts]:
        out.append('<tr><td>%s</td>%s</tr>' % (escape(name), ''.join('<td class="%s">%d</td>' % (s, counts[s]) for s in STATUSES)))
    out.append('</table>')
    out.append('<h2>Findings to act on, by who acts (errors and failures first, waived last)</h2>')
    groups = _view.action_groups(report)
    for dummy, label, items in groups:
        out.append('<h3>%s</h3><table class="wide"><tr><th>Status</th><th>Where</th><th>Entry</th><th>Observed</th><th>Remediation</th></tr>'
                   % escape(label))
        out += [_item(item) for item in items]
        out.append('</table>')
    if not groups:
        out.append('<p>No failing, erroring or warning entry.</p>')
    out.append('<h2>Since the last run</h2>')
    out += _since(report)
    out += _site(report)
    out.append('<h2>Node &times; check matrix</h2><div class="scroll"><table><tr><th>Entry</th><th>Req.</th>%s</tr>'
               % ''.join('<th>%s</th>' % escape(h) for h in hosts))
    entries = report['hosts'][0]['entries'] if report['hosts'] else []
    for index, entry in enumerate(entries):
        cells = ''.join(_cell(host['entries'][index]) for host in report['hosts'])
        out.append('<tr><td class="id">%s<div class="src">%s</div></td><td>%s</td>%s</tr>'
                   % (escape(entry['id']), escape(entry['title']), escape(entry['requirement']), cells))
    out.append('</table></div><p class="meta">Legend: %s. (W) = waived. Every checklist line appears once: site entries in the site '
               'section, node entries for every host; an entry no check evaluated is MANUAL, never PASS.</p>'
               % ', '.join(SYMBOLS[s] for s in STATUSES))
    out += _report_firewall.render_html(report)
    out.append('</body></html>')
    return '\n'.join(out) + '\n'
