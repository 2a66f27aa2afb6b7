# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A reset is not proof of an open path, even from a peer declared to answer resets (safeq_peers_answer_resets).

Ground truth is what this test builds: a prober namespace, a forwarding router namespace (the firewall between) and a
Linux peer without a firewall (it answers a closed port with a reset). On the peer one TCP port has a listener and one has
none; the router rejects a third port with ``reject with tcp reset`` in its forward chain (iptables REJECT --reject-with
tcp-reset in FORWARD: the reset carries the peer's address) and drops a fourth. From the prober the router's reset looks
exactly like the peer's own, so neither may pass the row; silence stays a fail.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.lab import lab
from tests.lab.netns import NamespaceChain

LISTEN = ('import socket, time\ns = socket.socket()\ns.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n'
          's.bind(("0.0.0.0", 7201))\ns.listen(8)\nprint("ready", flush=True)\ntime.sleep(60)\n')


def test_a_reset_from_a_firewall_between_never_passes_a_peer_that_answers_resets(tmp_path):
    os.chdir(lab.REPO_ROOT)
    with NamespaceChain('prst', '198.18', (11, 12)) as chain:
        chain.forward('tcp dport 7203 reject with tcp reset')
        chain.forward('tcp dport 7204 drop')
        listener = chain.popen(chain.peer, [sys.executable, '-c', LISTEN], stdout=subprocess.PIPE, text=True)
        try:
            assert listener.stdout.readline().strip() == 'ready'
            targets = [{'host': chain.peer_address, 'port': port, 'proto': 'tcp', 'entry': 'p%d' % port, 'expect': 'reachable',
                        'listener': False, 'resets': True} for port in (7201, 7202, 7203, 7204)]
            path = tmp_path / 'params.json'
            path.write_text(json.dumps({'targets': targets, 'timeout': 3.0, 'retries': 0, 'source': 'prober'}))
            proc = chain.run(chain.prober, [sys.executable, '-m', 'tests.lab.port_matrix', 'probe', '--params', str(path)])
            assert proc.returncode == 0, proc.stderr
            output = json.loads(proc.stdout)
        finally:
            listener.kill()
            listener.wait()
    results = {r['entry']: r for r in output['results']}
    found = {f['id']: f for f in output['findings']}
    # the peer's own reset (nothing listens on 7202) and the router's (7203) are the same to the prober
    assert {key: (results[key]['state'], results[key]['reason']) for key in ('p7202', 'p7203')} == {
        'p7202': ('closed', 'conn-refused'), 'p7203': ('closed', 'conn-refused')}
    assert (found['p7201']['status'], found['p7201']['reason']) == ('pass', 'open')
    for key in ('p7202', 'p7203'):
        assert (found[key]['status'], found[key]['reason']) == ('warn', 'reset-not-proof'), found[key]
        assert 'firewall' in found[key]['detail'] and 'listener' in found[key]['detail']
    assert (found['p7204']['status'], found['p7204']['reason']) == ('fail', 'filtered')
