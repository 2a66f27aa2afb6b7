# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The report's Windows Firewall section: per node, which enabled inbound allow rules cover each required inbound port.

PRIVATE to this collection. Read from the firewall facts server_check returned for the node (``facts.firewall``) and the
ports the node will listen on for the site (``_port_matrix.advisory_ports``: the catalogue's inbound port rows for its
role and ``safeq_features``, least-privilege rows left out). It explains the network matrix; it changes no row: the
advisory's warnings are findings of the rows already (``_firewall.advisory``), the probes decide them.
"""

from __future__ import annotations

from html import escape

from ansible_collections.safeq.preflight.plugins.module_utils.ports import _firewall
from ansible_collections.safeq.preflight.plugins.plugin_utils.ports import _port_matrix

STATES = {'allowed': 'allowed', 'not-allowed': 'no allow rule', 'blocked': 'blocked', 'firewall-off': 'firewall off', 'unknown': 'unknown'}
CLASSES = {'allowed': 'pass', 'not-allowed': 'warn', 'blocked': 'warn', 'firewall-off': 'skip', 'unknown': 'error'}


def section(fw, features, server_role, catalogue):
    """``{'profiles_in_force', 'ports': [{proto, port, entries, profiles}], 'note'}`` for one node, None without firewall facts."""
    if not isinstance(fw, dict):
        return None
    ports = _port_matrix.advisory_ports(features, server_role, catalogue)
    covered = _firewall.coverage(fw, [(proto, port) for proto, port, dummy in ports])
    entries = {(proto, port): ids for proto, port, ids in ports}
    note = ''
    if not _firewall.active_profiles(fw):
        note = 'the profiles in force could not be read from the node'
    elif fw.get('rules') is None:
        note = 'the inbound rules could not be read from the node'
    return {'profiles_in_force': _firewall.active_profiles(fw) or [], 'note': note,
            'ports': [dict(item, entries=entries[(item['proto'], item['port'])]) for item in covered]}


def _rules(profile):
    parts = ['default inbound action Allow'] if profile.get('default_allow') else []
    for key, label in (('allow', 'allow'), ('block', 'block'), ('limited', 'not counted'), ('ignored', 'ignored (GPO)')):
        if profile[key]:
            parts.append('%s: %s' % (label, '; '.join(profile[key])))
    return '<br>'.join(escape(part) for part in parts)


def render_html(report):
    """HTML lines of the section (empty when no node carries firewall facts)."""
    hosts = [host for host in report.get('hosts') or () if host.get('firewall_coverage')]
    if not hosts:
        return []
    out = ['<h2>Windows Firewall: inbound allow rules per required port (advisory)</h2>',
           '<p class="meta">Which enabled inbound allow rule covers each port SafeQ will listen on, per profile in force, read '
           'from the node\'s rules. A rule limited to a program, a service, some addresses, interfaces or users is listed as not '
           'counted. This explains the network matrix; only the probes decide its rows.</p>']
    for host in hosts:
        fw = host['firewall_coverage']
        out.append('<h3>%s (profiles in force: %s)</h3>' % (escape(host['name']), escape(', '.join(fw['profiles_in_force']) or 'unknown')))
        if fw['note']:
            out.append('<p>%s</p>' % escape(fw['note']))
            continue
        out.append('<table class="wide"><tr><th>Port</th><th>Rows</th><th>Profile</th><th>Coverage</th><th>Rules</th></tr>')
        for item in fw['ports']:
            for index, profile in enumerate(item['profiles']):
                lead = ('<td rowspan="%d">%s %d</td><td rowspan="%d" class="id">%s</td>'
                        % (len(item['profiles']), escape(item['proto'].upper()), item['port'], len(item['profiles']),
                           escape(', '.join(item['entries'])))) if index == 0 else ''
                out.append('<tr>%s<td>%s</td><td class="s %s">%s</td><td>%s</td></tr>'
                           % (lead, escape(profile['name']), CLASSES[profile['state']], escape(STATES[profile['state']]), _rules(profile)))
        out.append('</table>')
    return out
