# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The network role derives its targets from the catalogue and probes them: two nodes, one ansible-playbook run.

Ground truth set up here on loopback: an LDAP peer with a listener on 636 (open), an SMTP peer with nothing
on 25 (a reset from a Linux stack, declared in safeq_peers_answer_resets: the path is there, so `reachable`
passes), and two nodes whose cluster ports nothing listens on and that are not known to answer resets (a
reset there is no evidence: manual, never pass). Each node must probe exactly the catalogue's rows for the site's features, towards the
other node only, and name the rows in its findings.
"""

from __future__ import annotations

import json
import socket
import sys

import pytest
import yaml

from ansible_collections.safeq.preflight.plugins.module_utils.ports import _port_evaluate
from tests.lab import lab

NODES = {'node1': '127.0.0.81', 'node2': '127.0.0.82'}
LDAP, SMTP = '127.0.0.71', '127.0.0.73'
FEATURES = ['cluster', 'ldap_replication', 'smtp_delivery']


@pytest.fixture()
def ldap_listener():
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((LDAP, 636))
        listener.listen(16)
        yield


def test_the_network_role_probes_the_derived_rows_from_each_node(ldap_listener, tmp_path):  # pylint: disable=redefined-outer-name,unused-argument
    playbook = tmp_path / 'network.yml'
    save = {'name': 'save', 'delegate_to': 'localhost', 'check_mode': False,
            'ansible.builtin.copy': {'dest': str(tmp_path) + '/{{ inventory_hostname }}.json', 'content': '{{ network_probe | to_json }}'}}
    playbook.write_text(yaml.safe_dump([{'name': 'ports', 'hosts': 'safeq_nodes', 'gather_facts': False, 'roles': ['safeq.preflight.network'],
                                         'tasks': [save]}]))
    hosts = {name: {'ansible_host': address, 'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable}
             for name, address in NODES.items()}
    inventory = lab.write_inventory(str(tmp_path / 'inv.yml'), hosts, {
        'safeq_features': FEATURES, 'safeq_ldap_servers': [LDAP], 'safeq_peers': {'smtp': [SMTP]}, 'safeq_port_timeout': 1.0,
        'safeq_peers_answer_resets': ['smtp']})
    proc = lab.run_playbook(str(tmp_path), inventory, playbook=str(playbook), args=['--check'])
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    for name, address in NODES.items():
        other = [a for n, a in NODES.items() if n != name][0]
        result = json.loads((tmp_path / (name + '.json')).read_text())
        # every flow is in its finding's observed; results keep only the entries where a flow did not answer (return_results:
        # unanswered), so the LDAP row, which answered, is there only as its finding
        probed = {(f['id'], flow['target'], flow['state']) for f in result['findings'] for flow in _port_evaluate.flows(f['observed'])}
        assert probed == {
            ('net.other.tcp-636-cml-ldap', '%s:636/tcp' % LDAP, 'open'), ('net.other.tcp-25-smtp', '%s:25/tcp' % SMTP, 'closed'),
            ('net.inter-server.tcp-4099', '%s:4099/tcp' % other, 'closed'), ('net.inter-server.tcp-4111', '%s:4111/tcp' % other, 'closed'),
            ('net.cluster.tcp-4111', '%s:4111/tcp' % other, 'closed'), ('net.cluster.tcp-6020', '%s:6020/tcp' % other, 'closed'),
            ('net.cluster.tcp-443', '%s:443/tcp' % other, 'closed')}, name
        assert {(r['entry'], r['state']) for r in result['results']} == {(entry, state) for entry, dummy, state in probed if state != 'open'}
        assert sum(result['summary'].values()) == len(probed)
        assert not any(target.startswith(address + ':') for dummy, target, dummy2 in probed)  # a node does not probe itself
        findings = {f['id']: (f['status'], f['reason']) for f in result['findings']}
        # the SMTP server is a device in service before SafeQ: nothing listens at SMTP (no mail service), so the row fails even
        # though the address is declared as answering resets; the LDAP listener answers, so its row passes
        assert findings['net.other.tcp-636-cml-ldap'][0] == 'pass' and findings['net.other.tcp-25-smtp'] == ('fail', 'closed')
        assert findings['net.cluster.tcp-6020'] == ('manual', 'reset-not-evidence')
        remedy = {f['id']: f['remediation'] for f in result['findings']}  # the catalogue's text, filled by the action plugin
        assert remedy['net.cluster.tcp-6020'].startswith('Prove TCP 6020 from %s to %s:6020/tcp by hand' % (name, other)), remedy
        assert all('fix' not in f and '{' not in f['remediation'] for f in result['findings'])
        assert all(f['detail'].startswith('from %s to ' % name) for f in result['findings'])
        assert len(findings) == 7 and result['changed'] is False


def test_an_unknown_peer_name_stops_the_run_naming_the_variable(tmp_path):
    hosts = {'node1': {'ansible_host': NODES['node1'], 'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable}}
    inventory = lab.write_inventory(str(tmp_path / 'inv.yml'), hosts, {'safeq_peers': {'smpt': ['mx1']}, 'safeq_report_dir': str(tmp_path)})
    proc = lab.run_playbook(str(tmp_path), inventory, args=['--check'])
    assert proc.returncode != 0
    assert "safeq_peers on host node1: unknown peer name 'smpt'" in proc.stdout
    assert 'Traceback' not in proc.stdout + proc.stderr
