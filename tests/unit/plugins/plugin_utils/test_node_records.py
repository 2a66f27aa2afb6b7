# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The check roles' records, kept once per role on the controller: what each node registered, in order, and who was unreachable."""

from __future__ import annotations

from ansible_collections.safeq.preflight.plugins.plugin_utils import _node_records

SERVER_OK = {'changed': False, 'findings': [{'id': 'server.admin-rights', 'status': 'pass'}]}
FEATURES_OK = {'changed': False, 'findings': []}
DOWN = {'unreachable': True, 'msg': 'Node unreachable after one retry'}


class _Marker:
    """What Ansible's HostVars answers for a host the inventory does not have (an undefined marker, not a mapping)."""


class _HostVars(dict):
    def __getitem__(self, key):
        return super().get(key, _Marker())


def test_every_registered_result_is_recorded_in_the_order_given_and_a_host_that_left_the_play_gets_none():
    hostvars = {'cml1': {'windows_node_server': SERVER_OK, 'windows_node_features': FEATURES_OK},
                'cml2': {'windows_node_server': DOWN, 'windows_node_features': {'skipped': True}},
                'cml3': {}}  # failed before the role: nothing registered
    before = {'cml1': [{'module': 'custom', 'result': {}}]}
    hostvars['localhost'] = {'safeq_preflight_node_results': before}
    records = _node_records.append(['cml1', 'cml2', 'cml3'], hostvars,
                                   {'server_check': 'windows_node_server', 'windows_feature_check': 'windows_node_features'})
    assert [item['module'] for item in records['cml1']] == ['custom', 'server_check', 'windows_feature_check']
    assert records['cml2'] == [{'module': 'server_check', 'result': DOWN}, {'module': 'windows_feature_check', 'result': {'skipped': True}}]
    assert 'cml3' not in records
    assert before == {'cml1': [{'module': 'custom', 'result': {}}]}  # the earlier records are not changed in place
    assert _node_records.unreachable(records) == ['cml2']


def test_a_node_is_unreachable_when_a_kept_record_says_so_or_when_its_own_record_says_so():
    hostvars = _HostVars({'localhost': {'safeq_preflight_node_results': {'cml1': [{'module': 'server_check', 'result': SERVER_OK}],
                                                                         'cml2': [{'module': 'server_check', 'result': DOWN}]}},
                          'cml1': {}, 'cml2': {},
                          'cml3': {'safeq_preflight_results': [{'module': 'site_check', 'result': DOWN}]}})
    assert _node_records.reachable('cml1', hostvars) is True
    assert _node_records.reachable('cml2', hostvars) is False
    assert _node_records.reachable('cml3', hostvars) is False  # a site's own role recorded it unreachable
    assert _node_records.host_vars(hostvars, 'nowhere') == {}  # HostVars' undefined marker is no mapping
    assert _node_records.reachable('cml1', _HostVars({'cml1': {}})) is True  # no record yet on the controller


def test_all_records_are_the_kept_ones_then_the_ones_a_host_appended_itself():
    own = {'module': 'site_check', 'result': {'findings': []}}
    hostvars = {'localhost': {'safeq_preflight_node_results': {'cml1': [{'module': 'server_check', 'result': SERVER_OK}]}},
                'cml1': {'safeq_preflight_results': [own]}, 'cml2': {}}
    assert _node_records.all_records(['cml1', 'cml2'], hostvars) == {
        'cml1': [{'module': 'server_check', 'result': SERVER_OK}, own], 'cml2': []}


class _RawHostVars(dict):
    """Ansible's HostVars as the record filters see it: ``raw_get`` gives a host's variables as they are; ``[]`` templates them
    again, which is refused here for the registered results so that a read that templates them fails the test."""

    def raw_get(self, host):
        return super().get(host, {})

    def __getitem__(self, host):
        variables = super().get(host, {})
        return {name: value for name, value in variables.items() if name not in ('windows_node_server', 'safeq_preflight_node_results')}


def test_registered_results_are_read_as_they_are_without_templating_them_again():
    hostvars = _RawHostVars({'localhost': {'safeq_preflight_node_results': {'cml1': [{'module': 'x', 'result': {}}]}},
                             'cml1': {'windows_node_server': SERVER_OK, 'ansible_host': '10.0.0.11'}})
    assert _node_records.append(['cml1'], hostvars, {'server_check': 'windows_node_server'}) == {
        'cml1': [{'module': 'x', 'result': {}}, {'module': 'server_check', 'result': SERVER_OK}]}
    assert _node_records.all_records(['cml1'], hostvars) == {'cml1': [{'module': 'x', 'result': {}}]}
