# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The network matrix in the report: the flows port_check observed, a firewall change request, an HTML flow matrix.

PRIVATE to this collection. Every port row of the report carries ``observed``: one item per probed flow (source,
``host:port/proto``, state, whether a listener was in place, the flow's own verdict; port_check's findings group them by
outcome, and the report lists them one by one again). ``flows`` lists them per
node; ``change_request`` keeps the flows a network team must act on (``fail``: allow the flow; a least-privilege
``warn``: block it) and renders them as CSV and Markdown beside the report; ``matrix_html`` draws source x
destination x port, coloured by verdict.
"""

from __future__ import annotations

import csv
import io
from html import escape

COLUMNS = ('action', 'source', 'destination', 'protocol', 'port', 'catalogue_row', 'observed_state', 'node')
COLOURS = {'pass': '#d7f0d7', 'warn': '#fff0b3', 'fail': '#f8c9c9', 'manual': '#e4e4f4', 'error': '#f0c0f0', 'skip': '#eeeeee'}


def flows(report):
    """Every observed flow of every node: dicts with source, destination, proto, port, entry, state, verdict, node."""
    result = []
    for host in report.get('hosts') or ():
        for row in host.get('entries') or ():
            observed = row.get('observed')
            if not isinstance(observed, list):
                continue
            for item in observed:
                if not isinstance(item, dict) or 'target' not in item:
                    continue
                address, dummy, rest = str(item['target']).rpartition(':')
                port, dummy, proto = rest.partition('/')
                result.append({'source': item.get('source') or host['name'], 'destination': address, 'proto': proto,
                               'port': int(port) if port.isdigit() else port, 'entry': row['id'], 'state': item.get('state', ''),
                               'verdict': item.get('verdict') or row['status'], 'reason': row.get('reason') or '', 'node': host['name']})
    return result


def change_request(report):
    """Flows to change: failing flows to allow, reachable least-privilege ports to block."""
    rows = []
    for flow in flows(report):
        if flow['verdict'] == 'fail':
            action = 'allow'
        elif flow['verdict'] == 'warn' and flow['reason'] == 'reachable-should-be-blocked':
            action = 'block'
        else:
            continue
        rows.append({'action': action, 'source': flow['source'], 'destination': flow['destination'], 'protocol': flow['proto'].upper(),
                     'port': flow['port'], 'catalogue_row': flow['entry'], 'observed_state': flow['state'], 'node': flow['node']})
    return sorted(rows, key=lambda r: (r['action'], r['destination'], r['protocol'], str(r['port']), r['source']))


def render_csv(report):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator='\n')
    writer.writeheader()
    writer.writerows(change_request(report))
    return out.getvalue()


def render_markdown(report):
    rows = change_request(report)
    lines = ['# Firewall change request (SafeQ pre-installation check)', '',
             'Flows the SafeQ port tables need that were blocked (allow them), and ports the checklist keeps local that were '
             'reachable (block them). Each was probed from the source named, with a listener in place where the state says so.', '']
    if not rows:
        return '\n'.join(lines + ['No change needed: no flow failed.', ''])
    lines += ['| Action | Source | Destination | Protocol | Port | Catalogue row | Observed state |', '|---|---|---|---|---|---|---|']
    template = '| %s | %s | %s | %s | %s | `%s` | %s |'
    lines += [template % (r['action'], r['source'], r['destination'], r['protocol'], r['port'], r['catalogue_row'],
                          r['observed_state'].replace('|', '\\|')) for r in rows]
    return '\n'.join(lines) + '\n'


def matrix_html(report):
    """An HTML section: one table per destination, rows source, columns port/proto, cells coloured by verdict."""
    items = flows(report)
    if not items:
        return ''
    out = ['<h2>Flow matrix</h2><p class="meta">Source &times; destination &times; port, coloured by verdict (%s).</p>'
           % ', '.join('<span style="background:%s">%s</span>' % (colour, status) for status, colour in COLOURS.items())]
    for destination in sorted({f['destination'] for f in items}):
        mine = [f for f in items if f['destination'] == destination]
        ports = sorted({(f['port'], f['proto']) for f in mine}, key=lambda p: (str(p[1]), int(p[0]) if isinstance(p[0], int) else 0))
        sources = sorted({f['source'] for f in mine})
        cells = {(f['source'], f['port'], f['proto']): f for f in mine}
        out.append('<h3>To %s</h3><table><tr><th>From</th>%s</tr>' % (escape(destination), ''.join(
            '<th>%s/%s</th>' % (escape(str(port)), escape(proto)) for port, proto in ports)))
        for source in sources:
            row = []
            for port, proto in ports:
                flow = cells.get((source, port, proto))
                if flow is None:
                    row.append('<td></td>')
                else:
                    colour = COLOURS.get(flow['verdict'], '#fff')
                    row.append('<td style="background:%s" title="%s">%s</td>' % (colour, escape(flow['entry']), escape(flow['state'])))
            out.append('<tr><th>%s</th>%s</tr>' % (escape(source), ''.join(row)))
        out.append('</table>')
    return '\n'.join(out)


def with_matrix(html, report):
    """The report page with the flow matrix before the end of the body."""
    section = matrix_html(report)
    if not section or '</body>' not in html:
        return html
    head, tail = html.rsplit('</body>', 1)
    return head + section + '</body>' + tail
