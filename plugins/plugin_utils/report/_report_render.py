# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Writing the report files (JSON, JUnit XML, Markdown, HTML) and the console summary. PRIVATE to this collection."""

from __future__ import annotations

import json
import os
import tempfile

from ansible_collections.safeq.preflight.plugins.module_utils._findings import STATUSES
from ansible_collections.safeq.preflight.plugins.plugin_utils.report import _report_view as _view
from ansible_collections.safeq.preflight.plugins.plugin_utils.report._report_html import render_html
from ansible_collections.safeq.preflight.plugins.plugin_utils.report._report_junit import render_junit
from ansible_collections.safeq.preflight.plugins.plugin_utils.report import _report_flows

EXTENSIONS = {'json': '.json', 'junit': '.junit.xml', 'markdown': '.md', 'html': '.html', 'change_csv': '.firewall-changes.csv',
              'change_md': '.firewall-changes.md'}


def _md(text):
    return str(text).replace('|', '\\|').replace('\n', ' ')


def _md_item(item):
    if 'row' not in item:
        return '| error | %s | %s unreachable: %d checks not run | %s | Make the node reachable over WinRM and run the check again. |' % (
            item['host'], item['host'], item['count'], _md(item['message']))
    row = item['row']
    status = row['status'] + (' (waived)' if row.get('waiver') else '')
    return '| %s | %s | `%s` %s | %s | %s |' % (status, _view.where(item), row['id'], _md(row['title']), _md(row['detail']), _md(row['remediation']))


def _md_changes(report):
    since = report.get('since_last_run')
    if not since:
        return ['No previous run in the report directory: nothing to compare with.']
    out = ['Compared with the run finished %s (`%s`).' % (since['previous']['finished'], since['previous']['file']), '',
           '| Where | %s |' % ' | '.join(_view.CHANGE_LABELS.values()), '|---|%s' % ('---|' * len(_view.CHANGE_LABELS))]
    out += ['| %s | %s |' % (where, ' | '.join(str(c[change]) for change in _view.CHANGE_LABELS)) for where, c in since['counts'].items()]
    for change in ('fixed', 'new', 'not-evaluated', 'first-evaluated'):
        listed = ['%s `%s` (%s -> %s)' % (c['host'] or 'site', c['id'], c['previous'] or 'none', c['status'])
                  for c in since['changes'] if c['change'] == change]
        if listed:
            out += ['', '**%s:** %s' % (_view.CHANGE_LABELS[change].capitalize(), '; '.join(listed))]
    return out


def render_markdown(report):
    """The report as Markdown: summary, site section, findings per owner, since the last run, node matrix."""
    run, summary = report['run'], report['summary']
    hosts = [h['name'] for h in report['hosts']]
    out = ['# SafeQ CML pre-installation check', '',
           '**Verdict: %s** (%d blocking) - finished %s - check mode: %s - exit policy: %s'
           % (summary['verdict'].upper(), summary['blocking_count'], run.get('finished'), run.get('check_mode'), run.get('fail_on')), '',
           '| Where | %s |' % ' | '.join(STATUSES), '|---|%s' % '---|' * len(STATUSES),
           '| site | %s |' % ' | '.join(str(summary['site'][s]) for s in STATUSES)]
    for host in hosts:
        out.append('| %s | %s |' % (host, ' | '.join(str(summary['by_host'][host][s]) for s in STATUSES)))
    out += ['', '## Site (evaluated once: %s)' % _md(_view.measured_label(report)), '', '| Status | Entry | Owner | Observed |', '|---|---|---|---|']
    out += ['| %s%s | `%s` | %s | %s |' % (r['status'], ' (waived)' if r.get('waiver') else '', r['id'], r['owner'], _md(r['detail']))
            for r in report['site']['entries']]
    out += ['', '## Findings to act on', '']
    groups = _view.action_groups(report)
    for dummy, label, items in groups:
        out += ['### %s' % label, '', '| Status | Where | Entry | Observed | Remediation |', '|---|---|---|---|---|']
        out += [_md_item(item) for item in items] + ['']
    if not groups:
        out += ['No failing, erroring or warning entry.']
    out += ['', '## Since the last run', ''] + _md_changes(report)
    out += ['', '## Node matrix', '', '| Entry | %s |' % ' | '.join(hosts), '|---|%s' % '---|' * len(hosts)]
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


def _since_line(since, where):
    counts = since['counts'].get(where) if since else None
    return '  since last run: %s' % _view.change_counts(counts) if counts else ''


def console_summary(report):
    """A compact text summary for the end of the play: site, nodes, since the last run, what blocks."""
    summary, since = report['summary'], report.get('since_last_run')
    lines = ['SafeQ pre-installation check: %s (%d blocking, exit policy %s)'
             % (summary['verdict'].upper(), summary['blocking_count'], report['run'].get('fail_on')),
             '  ' + ', '.join('%s %d' % (s, summary['by_status'][s]) for s in STATUSES)]
    site = summary['site']
    lines.append('  %-20s worst %-6s %s%s' % ('site (once)', site['worst'], ' '.join('%s=%d' % (s, site[s]) for s in STATUSES if site[s]),
                                              _since_line(since, 'site')))
    listed = {b['host'] for b in report['blocking'] if b['reason'] == 'host-unreachable'}  # their error is printed once, below
    for host in report['hosts']:
        counts = summary['by_host'][host['name']]
        state = '  UNREACHABLE' + ('' if host['name'] in listed else ': ' + host['message']) if host['reachable'] is False else ''
        state = '  ' + host['message'] if host['reachable'] is None else state
        lines.append('  %-20s worst %-6s %s%s%s' % (host['name'], counts['worst'], ' '.join('%s=%d' % (s, counts[s]) for s in STATUSES if counts[s]),
                                                    state, _since_line(since, host['name'])))
    if since:
        lines.append('Since the last run (%s): %s' % (since['previous']['finished'], _view.change_counts(
            {change: sum(c[change] for c in since['counts'].values()) for change in _view.CHANGE_LABELS})))
    else:
        lines.append('Since the last run: no previous report in the report directory.')
    if report['blocking']:
        lines.append('Blocking, by who acts:')
        blocking = {(b['host'], b['id']) for b in report['blocking']}
        for dummy, label, items in _view.action_groups(report):
            shown = [i for i in items if 'row' not in i or (i['host'], i['row']['id']) in blocking]
            if shown:
                lines.append(' %s:' % label)
            for item in shown[:20]:
                if 'row' not in item:
                    lines.append('  %s unreachable: %d checks not run (%s)' % (item['host'], item['count'], item['message']))
                else:
                    row = item['row']
                    lines.append('  %s %s %s (%s): %s' % (_view.where(item), row['id'], row['status'], row['reason'], row['remediation']))
            if len(shown) > 20:
                lines.append('  ... and %d more (see the report)' % (len(shown) - 20))
    return '\n'.join(lines)
