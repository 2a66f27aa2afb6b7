# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""sql_browser_probe against a simulated SQL Server in a network namespace behind real nftables rules.

Ground truth: the rule the test installs (answered, UDP 1434 dropped, rejected with ICMP port
unreachable, the instance port dropped or rejected with a TCP reset), and the responder's instances: HELD's port
accepts and holds the connection without a byte (a SYN proxy, a load balancer with a dead backend, a hung service),
STRICT's closes on a cleartext PRELOGIN (strict TDS 8.0).
"""

from __future__ import annotations

import json
import os
import sys
import time

import pytest
import yaml

from tests.lab import lab
from tests.lab.netns import NamespacePair

SERVER = '198.18.2.2'
PROBE = ('import json, sys; sys.path.insert(0, %r); from tests.lab.collection import sql_probe; '
         'obs = sql_probe.run_probe(sql_probe.posix_exchange, %r, sys.argv[1], 0.8); '
         'print(json.dumps([[f["status"], f["reason"], f["detail"]] for f in sql_probe.evaluate(obs)]))') % (lab.REPO_ROOT, SERVER)
INSTANCES = [{'name': 'SAFEQ', 'version': '15.0.2000.5', 'tcp': 49703},
             {'name': 'HELD', 'version': '15.0.2000.5', 'tcp': 49704, 'tds': {'hold': True}},
             {'name': 'STRICT', 'version': '16.0.1000.6', 'tcp': 49705, 'tds': {'strict': True}}]


@pytest.fixture(scope='module')
def lab_net(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('sqsb')
    config = tmp / 'sql.yml'
    config.write_text(yaml.safe_dump({'instances': INSTANCES}))
    state = tmp / 'state.json'
    pair = NamespacePair('sqsb', '198.18.2')
    server = None
    try:
        server = pair.popen('b', [sys.executable, os.path.join(lab.REPO_ROOT, 'tests', 'lab', 'sql_responder.py'), 'serve',
                                  '--address', SERVER, '--config', str(config), '--state-file', str(state)])
        deadline = time.monotonic() + 15
        while not state.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert state.exists(), 'the responder did not start in the namespace'
        yield pair
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)
        pair.close()


def _probe(pair, instance='SAFEQ', detail=False):
    proc = pair.run('a', [sys.executable, '-c', PROBE, instance])
    assert proc.returncode == 0, proc.stderr
    return [tuple(item if detail else item[:2]) for item in json.loads(proc.stdout)]


@pytest.mark.parametrize('rules, expected', [
    ([], [('pass', 'browser-answered'), ('pass', 'tds-prelogin')]),
    (['udp dport 1434 drop'], [('fail', 'browser-silent'), ('error', 'browser-unavailable')]),
    (['udp dport 1434 reject with icmp type port-unreachable'], [('fail', 'closed'), ('error', 'browser-unavailable')]),
    (['udp dport 1434 reject with icmp type host-unreachable'], [('fail', 'host-unreachable'), ('error', 'browser-unavailable')]),
    (['tcp dport 49703 drop'], [('pass', 'browser-answered'), ('fail', 'filtered')]),
    (['tcp dport 49703 reject with tcp reset'], [('pass', 'browser-answered'), ('fail', 'closed')]),
], ids=['answered', 'udp-dropped', 'udp-rejected', 'udp-host-unreachable', 'tcp-dropped', 'tcp-reset'])
def test_states_follow_the_firewall_rule(lab_net, rules, expected):
    lab_net.flush()
    for rule in rules:
        lab_net.rule(rule)
    assert _probe(lab_net) == expected


@pytest.mark.parametrize('instance, expected', [
    ('HELD', ('fail', 'no-prelogin-reply')),  # silence for the whole timeout: nothing SafeQ could log in to
    ('STRICT', ('warn', 'possibly-strict-tds8')),  # closed at once on the cleartext PRELOGIN
])
def test_a_port_that_accepts_and_never_answers_fails_a_prompt_close_warns(lab_net, instance, expected):
    lab_net.flush()
    browser, tcp = _probe(lab_net, instance, detail=True)
    assert browser[:2] == ('pass', 'browser-answered') and tcp[:2] == expected
    port = [item['tcp'] for item in INSTANCES if item['name'] == instance][0]
    assert 'TCP %d' % port in tcp[2]
