# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Temporary listeners on simulated nodes: the network role's inbound phase, end to end, and their expiry.

Two simulated CML nodes (a simulation: the listener module's sockets are opened for real by the WinRM
simulation, on each node's own loopback address, and closed by a timer). Ground truth set up here: node2's
port 4111 is already held by another socket (a conflict, never taken over), everything else is free. Each
node's listener holds its inbound ports while the other probes them: the cluster rows pass with the
listener in place, from the other node. Then the controller is killed in the middle of the inbound phase
and no listener is left after the expiry bound.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import pytest
import yaml

from tests.lab import lab
from tests.lab.sim_responders import win_port_listener
from tests.lab.winrm_sim import SimulatedNodes

NODES = {'lsn1': '127.0.0.151', 'lsn2': '127.0.0.152'}
SECONDS = 30  # long enough for the play under load; the test waits for the expiry


def _profiles(tmp_path, listeners=None):
    paths = []
    for name, address in NODES.items():
        path = tmp_path / (name + '.yml')
        path.write_text(yaml.safe_dump({'name': name, 'address': address, 'port': 0, 'credentials': {'username': 'LAB\\x', 'password': 'pw'},
                                        'probes': {'win_port_listener': (listeners or {}).get(name, {}), 'win_port_probe': {'live': True}}}))
        paths.append(str(path))
    return paths


def _playbook(tmp_path, extra_tasks=(), tagged=False):
    save = {'name': 'save', 'delegate_to': 'localhost', 'check_mode': False,
            'ansible.builtin.copy': {'dest': str(tmp_path) + '/{{ inventory_hostname }}.json',
                                     'content': '{{ {"probe": network_probe, "listener": network_listener,'
                                                ' "results": hostvars["localhost"].safeq_preflight_node_results[inventory_hostname]}'
                                                ' | to_json }}'}}
    path = tmp_path / 'network.yml'
    play = {'name': 'ports', 'hosts': 'safeq_nodes', 'gather_facts': False, 'roles': ['safeq.preflight.network'],
            'tasks': [save] + list(extra_tasks)}
    if tagged:  # as the playbook imports it: the role under the area tag, run with --tags network
        play = dict(play, roles=[], tasks=[{'ansible.builtin.import_role': {'name': 'safeq.preflight.network'}, 'tags': ['network']},
                                           dict(save, tags=['always'])] + list(extra_tasks))
    path.write_text(yaml.safe_dump([play]))
    return str(path)


def _port_records(data):
    """A node's port_check records: its share of the vantage points' flows (when its role's plan has any), then its own probe."""
    return [r for r in data['results'] if r['module'] == 'port_check']


def _findings_of(data, own=True):
    """The findings of a node's port_check records by id (``own=False``: its share of the vantage points' flows only)."""
    records = _port_records(data) if own else _port_records(data)[:-1]
    return {f['id']: f for r in records for f in r['result'].get('findings') or ()}


def _refused(address, port):
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((address, port)) != 0


@pytest.fixture()
def held_port():
    with socket.socket() as holder:
        holder.bind((NODES['lsn2'], 4111))
        holder.listen(4)
        yield holder


@pytest.mark.parametrize('check', [True, False], ids=['check', 'run'])
# pylint: disable-next=redefined-outer-name,unused-argument
def test_each_node_listens_while_the_other_probes_it_and_the_listeners_expire(tmp_path, held_port, check):
    with SimulatedNodes(_profiles(tmp_path)) as nodes:
        hosts = nodes.inventory()['all']['children']['safeq_nodes']['hosts']
        inventory = lab.write_inventory(str(tmp_path / 'inv.yml'), hosts, {
            'safeq_features': ['cluster', 'terminal_professional'], 'safeq_listener_seconds': SECONDS, 'safeq_port_timeout': 1.0})
        # The controller is a vantage point for the workstation network because the inventory says so (no printer vantage).
        data = yaml.safe_load(open(inventory, encoding='utf-8'))  # pylint: disable=consider-using-with
        data['all']['children']['safeq_vantage_workstation'] = {'hosts': {'vp-ws': {
            'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable}}}
        with open(inventory, 'w', encoding='utf-8') as handle:
            yaml.safe_dump(data, handle)
        # the run leg selects the area by its tag, as the playbook does: the listener tasks (a dynamic include) run under it too
        proc = lab.run_playbook(str(tmp_path), inventory, playbook=_playbook(tmp_path, tagged=not check),
                                args=['--check'] if check else ['--tags', 'network'])
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
        for name, address in NODES.items():
            other = [n for n in NODES if n != name][0]
            data = json.loads((tmp_path / (name + '.json')).read_text())
            findings = {f['id']: f for f in data['probe']['findings']}
            for entry in ('net.cluster.tcp-6020', 'net.cluster.tcp-443', 'net.inter-server.tcp-4099'):
                assert (findings[entry]['status'], findings[entry]['reason']) == ('pass', 'open'), (name, findings[entry])
                assert findings[entry]['detail'].startswith('from %s to %s:' % (name, NODES[other]))
                assert findings[entry]['observed'][0]['listener'] is True
            states = {p['port']: p for p in data['listener']['facts']['ports']}
            if name == 'lsn2':  # the held port is a conflict, never taken over: the holder still answers
                assert states[4111]['state'] == 'conflict' and states[4111]['socket_error'] == 10048
            assert states[6020]['state'] == 'listening' and data['probe']['changed'] is False
            # the vantage record holds findings only (the node's own port_check result holds its probe results too)
            vantage = _findings_of(data, own=False)
            web = vantage['net.ws-in.tcp-80-443']  # listener in place, nothing between on loopback: the path is there
            assert (web['status'], web['reason']) == ('pass', 'open') and web['detail'].startswith('from vp-ws to %s:' % address)
            jmx = vantage['net.ws-in.tcp-19898']  # least privilege: nothing blocks JMX on loopback, so it is reachable
            assert (jmx['status'], jmx['reason']) == ('warn', 'reachable-should-be-blocked') and 'New-NetFirewallRule' in jmx['remediation']
            printer = vantage['net.printer-in.tcp-4096-terminal-pro']
            assert (printer['status'], printer['reason']) == ('manual', 'no-vantage-point')
            assert 'safeq_vantage_printer' in printer['remediation']
            # one command starts the listener (its own process answers for its binds; no async, no precheck, no readiness loop)
            started = [e for e in nodes.commands(name) if e['module'] == 'win_port_listener']
            assert len(started) == 1 and started[0]['check_mode'] is check and not started[0]['async_jid']
        assert win_port_listener.ACTIVE  # still listening: the timer, not the controller, ends them
        time.sleep(SECONDS + 1)
        assert not [key for key in win_port_listener.ACTIVE if key[0] in NODES.values()]
        assert _refused(NODES['lsn1'], 6020) and _refused(NODES['lsn2'], 6020)


def _with_workstation_vantage(inventory):
    data = yaml.safe_load(open(inventory, encoding='utf-8'))  # pylint: disable=consider-using-with
    data['all']['children']['safeq_vantage_workstation'] = {'hosts': {'vp-ws': {
        'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable}}}
    with open(inventory, 'w', encoding='utf-8') as handle:
        yaml.safe_dump(data, handle)


def test_a_port_that_cannot_bind_and_a_listener_that_binds_late_are_never_taken_for_listeners(tmp_path):
    """Ground truth: lsn1's listener process binds its sockets and reports only 8 s after it started (as a slow PowerShell start
    does); lsn2's listener cannot bind JMX 19898 (WSAEACCES, an excluded port range: nothing listens there). Nothing on loopback
    blocks anything, so every flow to a bound port is open. When the listener was started with async, "started" once counted
    as listening on every port: the probes reached lsn1 before its bind (a refusal judged as "refused although a listener was
    in place") and lsn2's 19898 refused (no listener) was a least-privilege pass, "blocked". The listener task now answers
    only once the binds are reported."""
    late = 8
    listeners = {'lsn1': {'bind_delay_s': late}, 'lsn2': {'unbindable': ['tcp/19898']}}
    with SimulatedNodes(_profiles(tmp_path, listeners)) as nodes:
        hosts = nodes.inventory()['all']['children']['safeq_nodes']['hosts']
        inventory = lab.write_inventory(str(tmp_path / 'inv.yml'), hosts, {
            'safeq_features': ['cluster'], 'safeq_listener_seconds': 60, 'safeq_listener_ready_seconds': 30, 'safeq_port_timeout': 1.0})
        _with_workstation_vantage(inventory)
        started = time.monotonic()
        proc = lab.run_playbook(str(tmp_path), inventory, playbook=_playbook(tmp_path))
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
        found = {}
        for name in NODES:
            data = json.loads((tmp_path / (name + '.json')).read_text())
            found[name] = {f['id']: f for r in data['results'] for f in r['result'].get('findings') or ()}
        late_node = found['lsn1']  # every port answered on its loopback before any probe: judged with the listener in place
        for entry in ('net.cluster.tcp-6020', 'net.ws-in.tcp-80-443'):
            assert (late_node[entry]['status'], late_node[entry]['reason']) == ('pass', 'open'), late_node[entry]
        assert late_node['net.ws-in.tcp-19898']['reason'] == 'reachable-should-be-blocked'
        jmx = found['lsn2']['net.ws-in.tcp-19898']  # refused by the kernel: no listener there, so no proof of "blocked"
        assert (jmx['status'], jmx['reason']) == ('manual', 'listener-missing'), jmx
        assert 'conflict' in jmx['detail'] and '10013' in jmx['detail']
        assert (found['lsn2']['net.cluster.tcp-6020']['status'], found['lsn2']['net.cluster.tcp-6020']['reason']) == ('pass', 'open')
        assert time.monotonic() - started > late  # the play waited for the late listener
        # every flow judged with a listener was answered, so no node needs the loopback check after the probes: only the
        # port-table probe ran (an answer is judged the same with or without the listener)
        for name in NODES:
            probes = [e for e in nodes.commands(name) if e['module'] == 'win_port_probe']
            assert len(probes) == 1 and '127.0.0.1' not in {p['host'] for p in probes[0]['params']['probes']}, name
    deadline = started + 60 + late + 5  # the listeners end by their own timer (the next test reuses the addresses)
    while time.monotonic() < deadline and [key for key in win_port_listener.ACTIVE if key[0] in NODES.values()]:
        time.sleep(0.5)
    assert not [key for key in win_port_listener.ACTIVE if key[0] in NODES.values()]


def test_a_listener_process_that_does_not_report_in_time_is_stopped_and_its_ports_are_never_taken_for_listeners(tmp_path):
    """Ground truth: lsn1's listener process would take 6 s to bind and report, and the node waits 2 s
    (safeq_listener_ready_seconds): it is stopped, nothing listens on lsn1, and every flow to lsn1 is judged without a
    listener (manual listener-missing, naming why), never a pass or a fail. lsn2's listener stands: its rows are judged with it."""
    with SimulatedNodes(_profiles(tmp_path, {'lsn1': {'bind_delay_s': 6}})) as nodes:
        hosts = nodes.inventory()['all']['children']['safeq_nodes']['hosts']
        inventory = lab.write_inventory(str(tmp_path / 'inv.yml'), hosts, {
            'safeq_features': ['cluster'], 'safeq_listener_seconds': 20, 'safeq_listener_ready_seconds': 2, 'safeq_port_timeout': 1.0})
        _with_workstation_vantage(inventory)
        proc = lab.run_playbook(str(tmp_path), inventory, playbook=_playbook(tmp_path))
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
        assert not [key for key in win_port_listener.ACTIVE if key[0] == NODES['lsn1']]  # stopped: nothing listens on lsn1
        lsn1 = json.loads((tmp_path / 'lsn1.json').read_text())
        assert {p['state'] for p in lsn1['listener']['facts']['ports']} == {'not-ready'}
        assert 'did not report its binds within 2 s' in lsn1['listener']['facts']['start_error']
        web = _findings_of(lsn1)['net.ws-in.tcp-80-443']  # the workstation's flow into lsn1: refused there, and no listener to judge it by
        assert (web['status'], web['reason']) == ('manual', 'listener-missing') and 'safeq_listener_ready_seconds: 2' in web['detail']
        lsn2 = json.loads((tmp_path / 'lsn2.json').read_text())
        cluster = _findings_of(lsn2)['net.cluster.tcp-6020']  # lsn2's own probe of lsn1's cluster port: no listener there, so not judged
        assert (cluster['status'], cluster['reason']) == ('manual', 'listener-missing'), cluster
        web = _findings_of(lsn2)['net.ws-in.tcp-80-443']  # lsn2's listener stood: its row is judged with it
        assert (web['status'], web['reason']) == ('pass', 'open')
        assert not [e for e in nodes.commands('lsn1') if e['module'] == 'win_port_probe' and
                    {p['host'] for p in e['params']['probes']} == {'127.0.0.1'}]  # no listener: no loopback check after the probes
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and [key for key in win_port_listener.ACTIVE if key[0] in NODES.values()]:
        time.sleep(0.5)


def test_a_listener_that_dies_before_the_probes_is_never_taken_for_one(tmp_path):
    """Ground truth: lsn1's listener reports its binds, then closes every socket at once (it dies before the vantage point
    probes). The kernel then refuses the probes. Judged as if the listener were there, the refused JMX port was a
    least-privilege pass ("a device between reset it") and the web port a fail; the check after the probes finds the listener
    gone, so both are manual (listener-missing, expired)."""
    with SimulatedNodes(_profiles(tmp_path, {'lsn1': {'close_after_s': 0}})) as nodes:
        hosts = nodes.inventory()['all']['children']['safeq_nodes']['hosts']
        inventory = lab.write_inventory(str(tmp_path / 'inv.yml'), hosts, {'safeq_features': ['cluster'], 'safeq_listener_seconds': 20,
                                                                           'safeq_port_timeout': 1.0})
        _with_workstation_vantage(inventory)
        proc = lab.run_playbook(str(tmp_path), inventory, playbook=_playbook(tmp_path))
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
        data = json.loads((tmp_path / 'lsn1.json').read_text())
        vantage = _findings_of(data, own=False)
        for entry in ('net.ws-in.tcp-19898', 'net.ws-in.tcp-80-443'):
            assert (vantage[entry]['status'], vantage[entry]['reason']) == ('manual', 'listener-missing'), vantage[entry]
            assert 'expired' in vantage[entry]['detail']
        other = json.loads((tmp_path / 'lsn2.json').read_text())  # lsn2's listener lived: its rows are judged with it
        vantage = _findings_of(other, own=False)
        assert (vantage['net.ws-in.tcp-80-443']['status'], vantage['net.ws-in.tcp-19898']['reason']) == ('pass', 'reachable-should-be-blocked')
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and [key for key in win_port_listener.ACTIVE if key[0] in NODES.values()]:
        time.sleep(0.5)


def test_a_node_to_node_fail_needs_the_destination_listener_alive_after_the_probe(tmp_path):
    """Ground truth: no vantage point; lsn1's listener reports its binds, then closes every socket at once (it dies before
    lsn2's node-to-node probe). The kernel then refuses lsn2's probes of lsn1's cluster ports. Judged with the
    listener, that was a fail (refused-with-listener) although the path is open; the check after every probe finds lsn1's
    listener gone, so lsn2's flows to it are manual (listener-missing, expired). lsn1's flows to lsn2 (listener alive) pass."""
    with SimulatedNodes(_profiles(tmp_path, {'lsn1': {'close_after_s': 0}})) as nodes:
        hosts = nodes.inventory()['all']['children']['safeq_nodes']['hosts']
        inventory = lab.write_inventory(str(tmp_path / 'inv.yml'), hosts, {'safeq_features': ['cluster'], 'safeq_listener_seconds': 20,
                                                                           'safeq_port_timeout': 1.0})
        proc = lab.run_playbook(str(tmp_path), inventory, playbook=_playbook(tmp_path))
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
        lsn2 = json.loads((tmp_path / 'lsn2.json').read_text())
        refused = [r for r in lsn2['probe']['results'] if r['entry'] == 'net.cluster.tcp-4111']
        assert refused and {(r['state'], r['listener']) for r in refused} == {('closed', True)}  # the probe as it came back
        recorded = _port_records(lsn2)[-1]['result']  # its own port-table probe, as the record task judged it again
        mine = {f['id']: f for f in recorded['findings']}
        assert (mine['net.cluster.tcp-4111']['status'], mine['net.cluster.tcp-4111']['reason']) == ('manual', 'listener-missing')
        assert 'expired' in mine['net.cluster.tcp-4111']['detail']
        assert not [f for f in recorded['findings'] if f['status'] == 'fail']
        lsn1 = json.loads((tmp_path / 'lsn1.json').read_text())
        theirs = {f['id']: f for f in _port_records(lsn1)[-1]['result']['findings']}
        assert theirs['net.cluster.tcp-4111']['status'] == 'pass'
        # only lsn1, which a flow judged with its listener did not reach, is asked after the probes; lsn2 answered every flow
        loopback = {name: [e for e in nodes.commands(name) if e['module'] == 'win_port_probe'
                           and {p['host'] for p in e['params']['probes']} == {'127.0.0.1'}] for name in NODES}
        assert (len(loopback['lsn1']), len(loopback['lsn2'])) == (1, 0)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and [key for key in win_port_listener.ACTIVE if key[0] in NODES.values()]:
        time.sleep(0.5)


def test_killing_the_controller_mid_inbound_phase_leaves_no_listener_after_the_expiry_bound(tmp_path):
    pause = {'name': 'the inbound probes would run now', 'ansible.builtin.pause': {'seconds': 120}}
    with SimulatedNodes(_profiles(tmp_path)) as nodes:
        hosts = nodes.inventory()['all']['children']['safeq_nodes']['hosts']
        inventory = lab.write_inventory(str(tmp_path / 'inv.yml'), hosts, {'safeq_features': ['cluster'], 'safeq_listener_seconds': SECONDS})
        command = [os.path.join(lab.VENV_BIN, 'ansible-playbook'), '-i', inventory, _playbook(tmp_path, [pause])]
        proc = subprocess.Popen(command, env=lab.ansible_env(str(tmp_path)), cwd=str(tmp_path), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and len({key[0] for key in win_port_listener.ACTIVE} & set(NODES.values())) < 2:
                time.sleep(0.2)
            assert len({key[0] for key in win_port_listener.ACTIVE} & set(NODES.values())) == 2, 'the listeners never started'
            killed_at = time.monotonic()
            proc.kill()  # the controller dies while both nodes listen
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert not _refused(NODES['lsn1'], 6020)  # still listening right after the controller died
        time.sleep(max(0.0, SECONDS + 1 - (time.monotonic() - killed_at)))
        assert not [key for key in win_port_listener.ACTIVE if key[0] in NODES.values()]
        assert _refused(NODES['lsn1'], 6020) and _refused(NODES['lsn2'], 6020)
