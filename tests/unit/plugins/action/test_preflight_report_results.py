# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the report learns from the results the roles registered: failed and skipped modules are never left out."""

from __future__ import annotations

from ansible_collections.safeq.preflight.plugins.action.preflight_report import add_cluster_comparison, host_result


def _item(module, **result):
    return {'module': module, 'result': result}


def test_a_failed_a_skipped_and_a_completed_module_are_told_apart():
    hostvars = {'safeq_preflight_results': [
        _item('server_check', changed=False, findings=[{'id': 'server.admin-rights', 'status': 'pass'}]),
        _item('windows_feature_check', failed=True, msg="Invalid value for option 'allowed_software': item 0: an empty string"),
        _item('sql_browser_probe', skipped=True, skip_reason='Conditional result was False'),
    ]}
    result = host_result(hostvars, 'safeq_preflight_results')
    assert result['reachable'] is True and result['ran'] == ['server_check']
    assert result['failed'] == {'windows_feature_check': "Invalid value for option 'allowed_software': item 0: an empty string"}
    assert result['not_run'] == {'sql_browser_probe': 'Conditional result was False'}
    assert 'allowed_software' in result['message']


def test_an_unreachable_module_makes_the_host_unreachable_and_nothing_ran():
    result = host_result({'safeq_preflight_results': [_item('server_check', unreachable=True, msg='connection refused')]},
                         'safeq_preflight_results')
    assert result['reachable'] is False and result['ran'] == [] and 'connection refused' in result['message']


def test_a_host_with_no_result_at_all_is_not_reachable():
    result = host_result({}, 'safeq_preflight_results')
    assert result['reachable'] is False and result['findings'] == []
    assert '--limit' not in result['message']
    limited = host_result({}, 'safeq_preflight_results', limit='cml1,localhost')  # under a --limit the node may have been left out
    assert limited['reachable'] is False and limited['message'].endswith("; or the run's --limit cml1,localhost left it out)")


def test_a_port_check_skipped_for_want_of_targets_ran_one_skipped_otherwise_did_not():
    nothing = host_result({'safeq_preflight_results': [
        {'module': 'port_check', 'targets': 0, 'result': {'skipped': True, 'skip_reason': 'Conditional result was False'}}]},
        'safeq_preflight_results')
    assert nothing['ran'] == ['port_check'] and nothing['not_run'] == {}
    skipped = host_result({'safeq_preflight_results': [
        {'module': 'port_check', 'targets': 12, 'result': {'skipped': True, 'skip_reason': 'Conditional result was False'}}]},
        'safeq_preflight_results')
    assert skipped['ran'] == [] and skipped['not_run'] == {'port_check': 'Conditional result was False'}


def _node(hardware, role='cml', reachable=True):
    return {'server_role': role, 'reachable': reachable, 'findings': [], 'hardware': hardware}


def test_cluster_nodes_that_differ_get_a_warning_on_the_hardware_entry():
    gib = 1024 ** 3
    results = {'cml1': _node({'logical_processors': 8, 'memory_bytes': 16 * gib}),
               'cml2': _node({'logical_processors': 8, 'memory_bytes': 16 * gib}),
               'cml3': _node({'logical_processors': 4, 'memory_bytes': 16 * gib}),
               'ors1': _node({'logical_processors': 2, 'memory_bytes': 4 * gib}, role='ors')}
    add_cluster_comparison(results, ['cluster'])
    assert results['cml1']['findings'] == [] and results['ors1']['findings'] == []
    (warning,) = results['cml3']['findings']
    assert (warning['id'], warning['status'], warning['reason']) == ('server.hardware-minimum', 'warn', 'cluster-nodes-differ')
    assert 'cml3: 4 logical processors' in warning['detail'] and warning['source']


def test_no_comparison_without_a_cluster_or_with_one_known_node():
    results = {'cml1': _node({'logical_processors': 8, 'memory_bytes': 1}), 'cml2': _node({'logical_processors': 2, 'memory_bytes': 1})}
    add_cluster_comparison(results, [])
    assert all(not r['findings'] for r in results.values())
    results['cml2']['reachable'] = False
    add_cluster_comparison(results, ['cluster'])
    assert all(not r['findings'] for r in results.values())
