# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The comparison of two runs' JSON reports (benchmarks/fleet.py --compare-report, python -m tests.lab.report_compare):
what was found must be identical; when it ran, how long a round trip took and the lab's port-0 ports are aside."""

from __future__ import annotations

import copy
import json

from tests.lab import report_compare


def _report():
    return {'run': {'started': '2026-11-30T04:00:00+00:00', 'finished': '2026-11-30T04:01:00+00:00'},
            'site': {'measured': [{'module': 'ldap_attribute_check', 'from': 'controller', 'at': '2026-11-30T04:00:30Z'}],
                     'entries': [{'id': 'ldap.tls', 'status': 'pass', 'observed': [{'port': 36805, 'tls': {'not_after': '2027-06-18'}}]}]},
            'hosts': [{'name': 'cml1', 'entries': [
                {'id': 'net.cml.tcp-443', 'status': 'pass', 'reason': 'open',
                 'detail': 'from cml1 to 127.0.2.2:443/tcp: open (syn-ack) in 216 ms', 'observed': [{'rtt_ms': 216}]},
                {'id': 'server.hardware-minimum', 'status': 'pass', 'reason': 'ok',
                 'detail': "The node's clock is within 60 s of the controller's (offset -0.1 s, +/- 0.4 s of task time)."}]}]}


def _later_run():
    report = _report()
    report['run'].update(started='2026-11-30T05:00:00+00:00', finished='2026-11-30T05:02:00+00:00')
    report['site']['measured'][0]['at'] = '2026-11-30T05:00:30Z'
    report['site']['entries'][0]['observed'][0]['tls']['not_after'] = '2027-06-19'
    rows = report['hosts'][0]['entries']
    rows[0].update(detail='from cml1 to 127.0.2.2:443/tcp: open (syn-ack) in 4 ms', observed=[{'rtt_ms': 4}])
    rows[1]['detail'] = "The node's clock is within 60 s of the controller's (offset +0.0 s, +/- 0.2 s of task time)."
    return report


def test_a_later_run_with_the_same_findings_is_identical():
    assert report_compare.differences(_report(), _later_run()) == []


def test_a_changed_status_reason_detail_or_row_is_a_difference():
    changed = copy.deepcopy(_report())
    changed['hosts'][0]['entries'][0].update(status='fail', reason='filtered')
    changed['hosts'][0]['entries'][1]['detail'] = "The node's clock is at least 420 s behind the controller's."
    found = report_compare.differences(_report(), changed)
    assert "$.hosts[0].entries[0].status: 'pass' -> 'fail'" in found
    assert "$.hosts[0].entries[0].reason: 'open' -> 'filtered'" in found
    assert any(line.startswith('$.hosts[0].entries[1].detail:') for line in found), found
    fewer = copy.deepcopy(_report())
    fewer['hosts'][0]['entries'].pop()
    assert report_compare.differences(_report(), fewer) == ['$.hosts[0].entries: %r -> %r' % (
        report_compare.strip_times(_report()['hosts'][0]['entries']), report_compare.strip_times(fewer['hosts'][0]['entries']))]


def test_ephemeral_ports_are_masked_only_when_asked():
    moved = _report()
    moved['site']['entries'][0]['observed'][0]['port'] = 60843
    moved['hosts'][0]['entries'][0]['detail'] = moved['hosts'][0]['entries'][0]['detail'] + ' (TCP 36805)'
    assert report_compare.differences(_report(), moved) != []
    masked = report_compare.differences(_report(), moved, ephemeral_ports=True)
    assert masked == ["$.hosts[0].entries[0].detail: 'from cml1 to 127.0.2.2:443/tcp: open (syn-ack) in <time>' -> "
                      "'from cml1 to 127.0.2.2:443/tcp: open (syn-ack) in <time> (TCP <port>)'"], masked
    # a SafeQ port below the ephemeral range is never masked
    well_known = _report()
    well_known['hosts'][0]['entries'][0]['detail'] = well_known['hosts'][0]['entries'][0]['detail'].replace(':443/', ':4096/')
    assert report_compare.differences(_report(), well_known, ephemeral_ports=True) != []


def test_the_command_line_exits_1_on_a_difference(tmp_path, capsys):
    before, after = tmp_path / 'before.json', tmp_path / 'after.json'
    before.write_text(json.dumps(_report()))
    after.write_text(json.dumps(_later_run()))
    assert report_compare.main([str(before), str(after)]) == 0
    changed = _later_run()
    changed['hosts'][0]['entries'][0]['status'] = 'error'
    after.write_text(json.dumps(changed))
    assert report_compare.main([str(before), str(after)]) == 1
    assert "entries[0].status: 'pass' -> 'error'" in capsys.readouterr().out
