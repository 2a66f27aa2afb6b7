# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The firewall change request and the flow matrix come from the flows port_check observed."""

from __future__ import annotations

import csv
import io

from ansible_collections.safeq.preflight.plugins.plugin_utils.report import _report_flows


def _report():
    observed = [{'source': 'vp-printer', 'target': '10.0.0.11:9100/tcp', 'state': 'filtered', 'reason': 'no-response', 'listener': True,
                 'verdict': 'fail'},
                {'source': 'cml2', 'target': '10.0.0.11:9100/tcp', 'state': 'open', 'reason': 'syn-ack', 'listener': True, 'verdict': 'pass'}]
    jmx = [{'source': 'vp-ws', 'target': '10.0.0.11:19898/tcp', 'state': 'open', 'reason': 'syn-ack', 'listener': True, 'verdict': 'warn'}]
    return {'hosts': [{'name': 'cml1', 'entries': [
        {'id': 'net.printer-in.tcp-9100', 'status': 'fail', 'reason': 'filtered', 'observed': observed},
        {'id': 'net.ws-in.tcp-19898', 'status': 'warn', 'reason': 'reachable-should-be-blocked', 'observed': jmx},
        {'id': 'server.os', 'status': 'pass', 'reason': 'ok', 'observed': {'build': 1}}]}]}


def test_the_change_request_names_source_destination_protocol_port_row_and_state():
    rows = list(csv.DictReader(io.StringIO(_report_flows.render_csv(_report()))))
    assert rows == [
        {'action': 'allow', 'source': 'vp-printer', 'destination': '10.0.0.11', 'protocol': 'TCP', 'port': '9100',
         'catalogue_row': 'net.printer-in.tcp-9100', 'observed_state': 'filtered', 'node': 'cml1'},
        {'action': 'block', 'source': 'vp-ws', 'destination': '10.0.0.11', 'protocol': 'TCP', 'port': '19898',
         'catalogue_row': 'net.ws-in.tcp-19898', 'observed_state': 'open', 'node': 'cml1'}]
    markdown = _report_flows.render_markdown(_report())
    assert '| allow | vp-printer | 10.0.0.11 | TCP | 9100 | `net.printer-in.tcp-9100` | filtered |' in markdown
    assert 'No change needed' in _report_flows.render_markdown({'hosts': []})


def test_the_matrix_colours_each_source_destination_port_by_its_verdict():
    html = _report_flows.with_matrix('<html><body><h1>r</h1></body></html>', _report())
    assert html.index('Flow matrix') < html.index('</body>')
    assert '<th>vp-printer</th>' in html and '<th>9100/tcp</th>' in html
    assert 'background:#f8c9c9" title="net.printer-in.tcp-9100">filtered' in html  # fail: red
    assert 'background:#d7f0d7" title="net.printer-in.tcp-9100">open' in html  # pass from cml2: green


def test_a_row_the_firewall_advisory_turns_to_warn_keeps_its_probed_flows():
    """The probes proved the path (pass, flows observed); the advisory's warning (no allow rule) is the worse finding and has
    no flows: the row is warn, and the flow matrix still shows what was probed."""
    from ansible_collections.safeq.preflight.plugins.plugin_utils.report import _report
    flows = [{'source': 'vp-printer', 'target': '10.0.0.11:50000/tcp', 'state': 'open', 'reason': 'syn-ack', 'listener': True,
              'verdict': 'pass'}]
    probed = {'id': 'net.printer-in.tcp-above-1023-passive-ftp', 'status': 'pass', 'reason': 'open', 'detail': 'open',
              'observed': flows}
    advisory = {'id': probed['id'], 'status': 'warn', 'reason': 'firewall-no-allow-rule', 'detail': 'no allow rule'}
    merged = _report._merge([probed, advisory])
    assert (merged['status'], merged['reason'], merged['observed']) == ('warn', 'firewall-no-allow-rule', flows)
    assert _report._merge([advisory])
    assert 'observed' not in _report._merge([advisory])
    report = {'hosts': [{'name': 'cml1', 'entries': [dict(merged, id=probed['id'])]}]}
    assert 'title="net.printer-in.tcp-above-1023-passive-ftp">open' in _report_flows.with_matrix('<html><body></body></html>', report)


def test_the_firewall_advisory_never_decides_a_row_the_probes_left_undecided():
    """The probe left the row manual (no listener: 'allowed, nothing listening' and 'blocked' look the same), or no probe
    named it: the advisory's warning (no allow rule) is noted in the detail, and the row stays undecided."""
    from ansible_collections.safeq.preflight.plugins.plugin_utils.report import _report
    manual = {'id': 'net.ws-in.tcp-9100', 'status': 'manual', 'reason': 'listener-missing', 'detail': 'no listener'}
    advisory = {'id': manual['id'], 'status': 'warn', 'reason': 'firewall-no-allow-rule', 'detail': 'no allow rule covers TCP 9100'}
    merged, note = _report._merge_row_findings([manual, advisory])
    assert (merged['status'], merged['reason'], note) == ('manual', 'listener-missing', '')
    assert 'no allow rule covers TCP 9100' in merged['detail']
    alone, note = _report._merge_row_findings([advisory])
    assert alone is None and 'no allow rule covers TCP 9100' in note
    failed = {'id': manual['id'], 'status': 'fail', 'reason': 'filtered', 'detail': 'filtered'}
    assert _report._merge_row_findings([failed, advisory])[0]['status'] == 'fail'
    passed = {'id': manual['id'], 'status': 'pass', 'reason': 'open', 'detail': 'open'}
    assert _report._merge_row_findings([passed, advisory])[0]['reason'] == 'firewall-no-allow-rule'
