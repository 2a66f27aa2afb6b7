# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""return_results: unanswered leaves out the results of the entries whose every target answered, never a finding or a count."""

from __future__ import annotations

from ansible_collections.safeq.preflight.plugins.module_utils.ports import _port_check, _port_evaluate


def _params(port, mode):
    # ground truth: a listener on 127.0.0.1:port; nothing listens on 127.0.0.2:port (the kernel resets)
    return {'targets': [{'host': '127.0.0.1', 'port': port, 'entry': 'net.cluster.tcp-4111-ignite', 'expect': 'reachable', 'listener': True},
                        {'host': 'localhost', 'port': port, 'entry': 'net.cluster.tcp-4111-ignite', 'expect': 'reachable', 'listener': True},
                        {'host': '127.0.0.1', 'port': port, 'entry': 'net.cluster.tcp-6020', 'expect': 'reachable', 'listener': True},
                        {'host': '127.0.0.2', 'port': port, 'entry': 'net.cluster.tcp-6020', 'expect': 'reachable', 'listener': True},
                        {'host': '127.0.0.1', 'port': port}],
            'timeout': 2.0, 'retries': 0, 'concurrency': 8, 'deadline': 20, 'return_results': mode, 'source': 'cml1'}


def test_unanswered_keeps_whole_entries_with_a_silent_or_refused_target_and_targets_without_entry(held_port):
    everything = _port_check.run_posix(_params(held_port, 'all'))
    kept = _port_check.run_posix(_params(held_port, 'unanswered'))
    assert {item['entry'] for item in everything['results']} == {'net.cluster.tcp-4111-ignite', 'net.cluster.tcp-6020', None}
    # 6020 has a refused target, so both its results stay (a re-judgement needs every flow of the entry); 4111 answered everywhere
    assert sorted((item['entry'] or '', item['host'], item['state']) for item in kept['results']) == [
        ('', '127.0.0.1', 'open'), ('net.cluster.tcp-6020', '127.0.0.1', 'open'), ('net.cluster.tcp-6020', '127.0.0.2', 'closed')]
    assert kept['summary'] == everything['summary'] and sum(kept['summary'].values()) == len(everything['results'])
    assert kept['findings'] == everything['findings']
    answered = {f['id']: f for f in kept['findings']}['net.cluster.tcp-4111-ignite']
    assert answered['status'] == 'pass' and len(_port_evaluate.flows(answered['observed'])) == len(
        [item for item in everything['results'] if item['entry'] == 'net.cluster.tcp-4111-ignite'])
