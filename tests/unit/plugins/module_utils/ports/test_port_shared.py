# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Targets that send the same thing to the same place share one probe; each row is still judged with its own expectation."""

from __future__ import annotations

from ansible_collections.safeq.preflight.plugins.module_utils.ports import _port_check, _port_engine


def test_two_rows_on_one_port_cost_one_connection_and_each_keeps_its_verdict(monkeypatch, held_port):
    """Ground truth: one listener on 127.0.0.1. Two rows name its port, one expecting it reachable, one expecting it closed
    (least privilege); a third target with an SNMP payload to the same port keeps its own probe. The engine sees two probes,
    the rows get a pass and a warn (reachable where it should not be) from the one connection."""
    sent = []
    real = _port_engine.Engine.run

    def counting(self, specs):
        sent.extend(spec['id'] for spec in specs)
        return real(self, specs)
    monkeypatch.setattr(_port_engine.Engine, 'run', counting)
    params = {'targets': [{'host': '127.0.0.1', 'port': held_port, 'entry': 'net.cluster.tcp-4111-ignite', 'expect': 'reachable'},
                          {'host': '127.0.0.1', 'port': held_port, 'entry': 'net.ws-in.tcp-19898', 'expect': 'closed'},
                          {'host': '127.0.0.1', 'port': held_port, 'proto': 'udp', 'probe': 'snmp', 'entry': 'net.to-printer.udp-161'},
                          {'host': 'LOCALHOST.', 'port': held_port, 'entry': 'net.to-printer.tcp-9100', 'expect': 'reachable'}],
              'timeout': 2.0, 'retries': 0, 'concurrency': 4, 'deadline': 10}
    specs = _port_check.prepare(dict(params))
    probes, alias = _port_check.shared(specs)
    assert len(specs) == 4 and len(probes) == 3  # the two TCP rows to 127.0.0.1 share; SNMP and the other name do not
    result = _port_check.run_posix(params)
    assert len(sent) == 3
    by_entry = {item['entry']: item for item in result['results']}
    assert by_entry['net.cluster.tcp-4111-ignite']['state'] == by_entry['net.ws-in.tcp-19898']['state'] == 'open'
    verdicts = {item['id']: item['status'] for item in result['findings']}
    assert verdicts['net.cluster.tcp-4111-ignite'] == 'pass'
    assert verdicts['net.ws-in.tcp-19898'] in ('warn', 'fail')  # reachable where the row wants it closed: never a pass


def test_fan_out_copies_every_address_of_a_shared_probe_to_each_row():
    alias = {'p0': 'p0', 'p1': 'p0'}
    raws = [{'id': 'p0', 'address': '10.0.0.1', 'outcome': 'connected'}, {'id': 'p0', 'address': '10.0.0.2', 'outcome': 'timeout'}]
    fanned = _port_check.fan_out(raws, alias)
    assert sorted((item['id'], item['address']) for item in fanned) == [
        ('p0', '10.0.0.1'), ('p0', '10.0.0.2'), ('p1', '10.0.0.1'), ('p1', '10.0.0.2')]
