# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A node with an IPv6 address, probed over IPv6 with its temporary listener in place (which binds IPv4 only).

Ground truth built here (namespaces ``pv6-a``, the vantage point, and ``pv6-b``, the node; 198.18.9.0/24 and the
documentation prefix 2001:db8:9::/64): the node's nftables rules behave like Windows Firewall in stealth mode for both
families (input policy drop, TCP 6020 allowed from anywhere, no reset or ICMP/ICMPv6 unreachable leaving). The simulated
win_port_listener holds TCP 6020 on 0.0.0.0, as the module does on Windows. Over IPv4 the flow passes with the listener;
over IPv6 the same allowed flow is silent because nothing listens there: judged with the listener that was a false fail,
now ``manual`` ``listener-missing`` (IPv4 only). port_check's own engine and evaluator probe from the vantage namespace.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.lab import lab
from tests.lab.netns import NamespacePair

if os.geteuid() != 0:
    pytest.skip('network namespaces need root', allow_module_level=True)

V4, V6 = '198.18.9.2', '2001:db8:9::2'


def _nft(pair, rules):
    subprocess.run(['ip', 'netns', 'exec', pair.b, 'nft', '; '.join(rules)], check=True, capture_output=True, timeout=30)


def test_an_ipv6_flow_to_an_ipv4_only_listener_is_no_fail(tmp_path):
    with NamespacePair('pv6', '198.18.9') as pair:
        for ns, dev, address in ((pair.a, 'pv6-va', '2001:db8:9::1'), (pair.b, 'pv6-vb', V6)):
            subprocess.run(['ip', '-n', ns, 'addr', 'add', address + '/64', 'dev', dev, 'nodad'], check=True, capture_output=True, timeout=30)
        _nft(pair, ['add table inet winfw', 'add chain inet winfw input { type filter hook input priority 0; policy drop; }',
                    'add chain inet winfw output { type filter hook output priority 0; policy accept; }',
                    'add rule inet winfw input iif lo accept', 'add rule inet winfw output oif lo accept',
                    'add rule inet winfw input ct state established,related accept',
                    'add rule inet winfw input meta l4proto ipv6-icmp icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept',
                    'add rule inet winfw input tcp dport 6020 accept',
                    'add rule inet winfw output tcp flags & (rst) == rst drop',
                    'add rule inet winfw output icmp type destination-unreachable drop',
                    'add rule inet winfw output icmpv6 type destination-unreachable drop'])
        listener = pair.popen('b', [sys.executable, '-m', 'tests.lab.port_matrix', 'listen', '--seconds', '20', '--ports', 'tcp:6020'],
                              stdout=subprocess.PIPE, text=True, cwd=lab.REPO_ROOT)
        try:
            facts = json.loads(listener.stdout.readline())
            assert [(p['port'], p['state']) for p in facts['ports']] == [(6020, 'listening')]
            targets = [{'host': host, 'port': 6020, 'proto': 'tcp', 'entry': entry, 'expect': 'reachable', 'listener': True, 'resets': False}
                       for host, entry in ((V4, 'cluster-v4'), (V6, 'cluster-v6'))]
            params = tmp_path / 'params.json'
            params.write_text(json.dumps({'targets': targets, 'timeout': 1.0, 'retries': 1, 'source': 'cml-peer'}))
            proc = pair.run('a', [sys.executable, '-m', 'tests.lab.port_matrix', 'probe', '--params', str(params)])
            assert proc.returncode == 0, proc.stderr
            result = json.loads(proc.stdout)
        finally:
            listener.kill()
            listener.wait()
    states = {item['host']: item['state'] for item in result['results']}
    assert states == {V4: 'open', V6: 'filtered'}  # the rule allows both; over IPv6 nothing listens, and stealth mode says nothing
    findings = {item['id']: item for item in result['findings']}
    assert (findings['cluster-v4']['status'], findings['cluster-v4']['reason']) == ('pass', 'open')
    assert (findings['cluster-v6']['status'], findings['cluster-v6']['reason']) == ('manual', 'listener-missing')
    assert 'IPv4 only' in findings['cluster-v6']['detail'] and 'from cml-peer to 2001:db8:9::2:6020/tcp' in findings['cluster-v6']['detail']
