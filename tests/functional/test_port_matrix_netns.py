# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The network matrix against a firewall that behaves like Windows Firewall, from one vantage namespace per peer network.

Ground truth built here (namespaces ``pmtx-*``, 198.18.5-7.0/24): a server namespace stands for a Windows CML node
whose nftables rules act like Windows Firewall in stealth mode (input policy drop; allowed ports; JMX 19898 blocked
from the printer network only; no reset or ICMP unreachable ever leaves, so a port without a listener is silent
even where a rule allows it). A device between the printer network and the server answers TCP 4096 with a reset.
Vantage namespaces: printer, workstation and a cluster peer. The temporary listener (the simulated
win_port_listener code) holds the ports; port_check's engine and evaluator probe from each vantage point. Then the
listener expires and the same flows are probed without it (manual, never a false pass or fail), and finally with
stealth mode off (``resets: true``: a reset proves the path).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from tests.lab import firewall_rules, lab
from tests.lab.netns import NamespaceStar

if os.geteuid() != 0:
    pytest.skip('network namespaces need root', allow_module_level=True)

ALLOWED_TCP = (9100, 6020, 80, 19898, 4096)
ALLOWED_UDP = (7777,)
LISTEN = 'tcp:9100,tcp:6020,tcp:80,tcp:19898,tcp:515,tcp:4096,udp:7777,udp:7778'
SECONDS = 30

# (vantage, entry, proto, port, expect) -> (status, reason) with the listener in place: the rule each one follows.
WITH_LISTENER = {
    ('printer', 'printer-9100', 'tcp', 9100, 'reachable'): ('pass', 'open'),  # allowed, listening
    ('printer', 'printer-515', 'tcp', 515, 'reachable'): ('fail', 'filtered'),  # no allow rule: dropped
    ('printer', 'printer-4096', 'tcp', 4096, 'reachable'): ('fail', 'refused-with-listener'),  # the device between resets it
    ('printer', 'printer-udp-7777', 'udp', 7777, 'reachable'): ('pass', 'open'),  # allowed, the responder echoes
    ('printer', 'printer-udp-7778', 'udp', 7778, 'reachable'): ('fail', 'filtered'),  # no rule: silent despite the responder
    # JMX dropped from printers by the host firewall: silence alone may be the default Block for the listener's powershell.exe,
    # which SafeQ's installer lifts: not proof (the node's firewall facts prove it, below)
    ('printer', 'lp-printer-19898', 'tcp', 19898, 'closed'): ('manual', 'block-not-proven'),
    ('workstation', 'lp-ws-19898', 'tcp', 19898, 'closed'): ('warn', 'reachable-should-be-blocked'),  # JMX reachable from workstations
    ('workstation', 'ws-80', 'tcp', 80, 'reachable'): ('pass', 'open'),
    ('cml', 'cluster-6020', 'tcp', 6020, 'reachable'): ('pass', 'open'),
}


def _targets(vantage, listener, resets, table):
    return [{'host': '{server}', 'port': port, 'proto': proto, 'entry': entry, 'expect': expect, 'listener': listener, 'resets': resets}
            for (where, entry, proto, port, expect) in table if where == vantage]


def _probe(star, tmp, vantage, listener, resets, table):
    info = star.vantages[vantage]
    targets = [dict(t, host=info['server']) for t in _targets(vantage, listener, resets, table)]
    path = tmp / ('%s-%s-%s.json' % (vantage, listener, resets))
    path.write_text(json.dumps({'targets': targets, 'timeout': 1.0, 'retries': 1, 'source': vantage}))
    proc = star.run(info['ns'], [sys.executable, '-m', 'tests.lab.port_matrix', 'probe', '--params', str(path)])
    assert proc.returncode == 0, proc.stderr
    return {f['id']: f for f in json.loads(proc.stdout)['findings']}


def _firewall_facts(remote):
    rule = firewall_rules.rule(id='jmx', display_name='SafeQ: block JMX', source='GroupPolicy', local_ports=['19898'],
                               remote_addresses=[remote])
    return {'profiles': [{'name': 'Domain', 'enabled': 'True', 'default_inbound_action': 'Block', 'allow_local_firewall_rules': 'True'}],
            'active_profile': 'Domain', 'connections': [{'interface_alias': 'e', 'interface_index': 1, 'network_category': 'DomainAuthenticated'}],
            'stealth': None, 'errors': {}, 'rules': [rule]}


def _assert_block_evidence(star, tmp):  # pylint: disable=redefined-outer-name
    from tests.lab.collection import firewall, port_evaluate  # pylint: disable=import-outside-toplevel
    info = star.vantages['printer']
    path = tmp / 'lp.json'
    target = {'host': info['server'], 'port': 19898, 'proto': 'tcp', 'entry': 'lp-printer-19898', 'expect': 'closed', 'listener': True}
    path.write_text(json.dumps({'targets': [target], 'timeout': 1.0, 'retries': 1, 'source': 'printer'}))
    proc = star.run(info['ns'], [sys.executable, '-m', 'tests.lab.port_matrix', 'probe', '--params', str(path)])
    result = json.loads(proc.stdout)['results'][0]
    assert result['state'] == 'filtered'
    # only a Block rule for any remote address proves the block: one for the printer network (even the one that holds the
    # vantage point) leaves the rest allowed after installation, and says so
    for remote, expected in (('Any', ('pass', 'blocked-by-rule')), (info['network'], ('manual', 'block-not-proven')),
                             (info['address'], ('manual', 'block-not-proven'))):
        evidence = firewall.block_candidates(_firewall_facts(remote), 'tcp', 19898)
        judged = port_evaluate.judge(dict(result, block_evidence=evidence))
        assert judged[:2] == expected, judged
        assert expected[0] == 'pass' or 'limited by its remote addresses' in judged[2]


def _assert_unproven_answers(star, tmp):  # pylint: disable=redefined-outer-name
    """A reset from the device between (TCP 4096 from printers, listener in place) passes only when the node's firewall facts show
    it on with stealth mode (the node never resets); an address of the printer network where nothing answers ARP gets "host
    unreachable" from the vantage point's own stack: never a pass."""
    from tests.lab.collection import firewall, port_evaluate  # pylint: disable=import-outside-toplevel
    info = star.vantages['printer']
    absent = info['network'].replace('.0/24', '.99')
    targets = [{'host': info['server'], 'port': 4096, 'proto': 'tcp', 'entry': 'lp-reset', 'expect': 'closed', 'listener': True},
               {'host': absent, 'port': 19898, 'proto': 'tcp', 'entry': 'lp-arp', 'expect': 'closed', 'listener': True}]
    path = tmp / 'unproven.json'
    path.write_text(json.dumps({'targets': targets, 'timeout': 6.0, 'retries': 0, 'source': 'printer'}))
    proc = star.run(info['ns'], [sys.executable, '-m', 'tests.lab.port_matrix', 'probe', '--params', str(path)])
    results = {r['entry']: r for r in json.loads(proc.stdout)['results']}
    assert (results['lp-reset']['state'], results['lp-reset']['reason']) == ('closed', 'conn-refused')
    assert (results['lp-arp']['state'], results['lp-arp']['reason']) == ('filtered', 'host-unreachable')
    stealth_on = dict(_firewall_facts('Any'), rules=[], stealth={'policy': {}, 'local': {}})
    stealth_off = dict(stealth_on, stealth={'policy': {}, 'local': {'DomainProfile': 1}})
    for facts, expected in ((stealth_on, ('pass', 'blocked-between')), (stealth_off, ('manual', 'block-not-proven')),
                            (None, ('manual', 'block-not-proven'))):
        evidence = firewall.block_candidates(facts, 'tcp', 4096)
        assert port_evaluate.judge(dict(results['lp-reset'], block_evidence=evidence))[:2] == expected
    evidence = firewall.block_candidates(dict(_firewall_facts('Any'), stealth={'policy': {}, 'local': {}}), 'tcp', 19898)
    assert port_evaluate.judge(dict(results['lp-arp'], block_evidence=evidence))[:2] == ('manual', 'unreachable-not-evidence')


@pytest.fixture()
def star():
    with NamespaceStar('pmtx', '198.18', (5, 6, 7), ('printer', 'workstation', 'cml')) as lab_net:
        lab_net.windows_firewall(ALLOWED_TCP, ALLOWED_UDP, blocked=[(lab_net.vantages['printer']['network'], 'tcp', 19898)])
        lab_net.middlebox_reset('printer', 4096)
        yield lab_net


def test_every_flow_verdict_follows_the_rule_the_lab_set_up(star, tmp_path):  # pylint: disable=redefined-outer-name
    os.chdir(lab.REPO_ROOT)
    listener = star.popen(star.server, [sys.executable, '-m', 'tests.lab.port_matrix', 'listen', '--seconds', str(SECONDS), '--ports', LISTEN],
                          stdout=subprocess.PIPE, text=True)
    try:
        facts = json.loads(listener.stdout.readline())
        assert {p['state'] for p in facts['ports']} == {'listening'}
        started = time.monotonic()
        decided = total = 0
        for vantage in ('printer', 'workstation', 'cml'):
            findings = _probe(star, tmp_path, vantage, True, False, WITH_LISTENER)
            for key, expected in WITH_LISTENER.items():
                if key[0] != vantage:
                    continue
                found = findings[key[1]]
                assert (found['status'], found['reason']) == expected, (key, found['detail'])
                assert found['detail'].startswith('from %s to %s:%d/%s' % (vantage, star.vantages[vantage]['server'], key[3], key[2]))
                total += 1
                decided += found['status'] in ('pass', 'warn', 'fail')
        assert decided == total - 1 == len(WITH_LISTENER) - 1  # every row decided but the unproven block
        # The node's Windows Firewall facts name the rule the nftables drop stands for: a Block rule for TCP 19898. Only a rule for
        # any remote address makes the silence proof; one for the printer network or the vantage point's own address does not.
        _assert_block_evidence(star, tmp_path)
        # Answers that look like a block but may come from the prober or the node itself: never a least-privilege pass on their own.
        _assert_unproven_answers(star, tmp_path)
        lp = _probe(star, tmp_path, 'workstation', True, False, WITH_LISTENER)['lp-ws-19898']
        # the module gives the reason and fix; the action plugin fills the catalogue's text (the lab's entry stands for this row)
        from tests.lab.collection import catalogue  # pylint: disable=import-outside-toplevel
        remedy = catalogue.enrich(dict(lp, id='net.ws-in.tcp-19898'))['remediation']
        assert lp['remediation'] == '' and 'New-NetFirewallRule' in remedy and '-LocalPort 19898' in remedy, remedy
        assert time.monotonic() - started < SECONDS - 2, 'the probes outlasted the listener: raise SECONDS'
    finally:
        listener.wait(timeout=SECONDS + 10)
    # The listener expired by itself: the same flows without a listener are manual, never a false pass or fail.
    silent = {key: value for key, value in WITH_LISTENER.items() if key[1] in ('printer-9100', 'printer-515', 'cluster-6020')}
    for vantage in ('printer', 'cml'):
        findings = _probe(star, tmp_path, vantage, False, False, silent)
        for key in silent:
            if key[0] == vantage:
                assert (findings[key[1]]['status'], findings[key[1]]['reason']) == ('manual', 'silent-no-listener'), key
    # Stealth mode off (DisableStealthMode, or a Linux peer): the destination answers resets, so silence is evidence of a block;
    # its reset is not proof of an open path (a firewall between that rejects with resets looks the same): warn, never pass.
    star.run(star.server, ['nft', 'flush chain inet winfw output'])
    findings = _probe(star, tmp_path, 'printer', False, True, silent)
    assert (findings['printer-9100']['status'], findings['printer-9100']['reason']) == ('warn', 'reset-not-proof')
    assert (findings['printer-515']['status'], findings['printer-515']['reason']) == ('fail', 'filtered')


# The lab's labels -> catalogue rows for the delegated run (port_check refuses an entry the catalogue does not have); each row
# stands for one flow of WITH_LISTENER, so each finding is that flow's verdict.
AS_ROWS = {'printer-9100': 'net.printer-in.tcp-4096-terminal-pro', 'printer-515': 'net.printer-in.tcp-5020',
           'printer-4096': 'net.printer-in.tcp-25-scan', 'printer-udp-7777': 'net.printer-in.udp-37',
           'printer-udp-7778': 'net.printer-in.tcp-21-ftp', 'lp-printer-19898': 'net.ws-in.tcp-19898',
           'lp-ws-19898': 'net.ws-in.tcp-9797', 'ws-80': 'net.ws-in.tcp-80-443', 'cluster-6020': 'net.inter-server.tcp-4099'}


def test_the_vantage_points_probe_by_delegation(star, tmp_path):  # pylint: disable=redefined-outer-name
    """The same flows, run as the network role runs them: one port_check per vantage point, delegated (delegate_to) to an inventory
    host whose Python runs in that vantage namespace, from a play on the controller. Each verdict follows the rule the lab set
    up, and each finding names the delegated host it was probed from."""
    os.chdir(lab.REPO_ROOT)
    vantages = ('printer', 'workstation', 'cml')
    namespaces = {kind: star.vantages[kind]['ns'] for kind in vantages}
    hosts = {}
    for ns in namespaces.values():  # the delegated host's Python: a wrapper that runs the controller's Python in that namespace
        wrapper = tmp_path / ('python-' + ns)
        wrapper.write_text('#!/bin/sh\nexec ip netns exec %s %s "$@"\n' % (ns, sys.executable))
        wrapper.chmod(0o755)
        hosts[ns] = {'ansible_connection': 'local', 'ansible_python_interpreter': str(wrapper)}
    inventory = lab.write_inventory(str(tmp_path / 'inventory.yml'), hosts, group='vantages')
    probes = []
    for kind in vantages:
        targets = [dict(t, host=star.vantages[kind]['server'], entry=AS_ROWS[t['entry']]) for t in _targets(kind, True, False, WITH_LISTENER)]
        probes.append({'host': namespaces[kind], 'targets': targets})
    save = {'ansible.builtin.copy': {'dest': str(tmp_path / 'probes.json'), 'content': '{{ probes.results | to_json }}'}}
    playbook = tmp_path / 'delegated.yml'
    playbook.write_text(json.dumps([{'hosts': 'localhost', 'gather_facts': False, 'tasks': [
        {'name': 'probe from each vantage point', 'safeq.preflight.port_check': {'targets': '{{ item.targets }}', 'timeout': 1.0, 'retries': 1},
         'delegate_to': '{{ item.host }}', 'loop': probes, 'loop_control': {'label': '{{ item.host }}'}, 'register': 'probes'}, save]}]))
    listener = star.popen(star.server, [sys.executable, '-m', 'tests.lab.port_matrix', 'listen', '--seconds', str(SECONDS), '--ports', LISTEN],
                          stdout=subprocess.PIPE, text=True)
    try:
        assert {p['state'] for p in json.loads(listener.stdout.readline())['ports']} == {'listening'}
        proc = lab.run_playbook(str(tmp_path), inventory, playbook=str(playbook))
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    finally:
        listener.wait(timeout=SECONDS + 10)
    runs = {run['item']['host']: run for run in json.loads((tmp_path / 'probes.json').read_text())}
    for kind in vantages:
        ns = star.vantages[kind]['ns']
        findings = {f['id']: f for f in runs[ns]['findings']}
        assert {r['source'] for r in runs[ns]['results']} == {ns}  # the delegated host, not the controller
        for key, expected in WITH_LISTENER.items():
            if key[0] == kind:
                found = findings[AS_ROWS[key[1]]]
                assert (found['status'], found['reason']) == expected, (key, found['detail'])
                assert found['detail'].startswith('from %s to %s:%d/%s' % (ns, star.vantages[kind]['server'], key[3], key[2]))
