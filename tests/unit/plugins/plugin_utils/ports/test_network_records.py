# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The network role's once-per-play steps: the node table, the listeners that stand, and every node's records."""

from __future__ import annotations

from ansible_collections.safeq.preflight.plugins.plugin_utils import _catalogue
from ansible_collections.safeq.preflight.plugins.module_utils.ports import _port_check, _port_evaluate
from ansible_collections.safeq.preflight.plugins.plugin_utils.ports import _network_records, _port_matrix
from tests.unit.plugins.plugin_utils.ports.test_port_matrix import NODES, _node_probe, ready

FIREWALL = {'profiles': []}


def _enrich(findings):
    return [_catalogue.enrich(item) for item in findings]


def _listener(*ports, **states):
    """A win_port_listener result: every port listening, unless ``states`` (``{'p4112': ('not-ready', why)}``) says otherwise."""
    found = []
    for port in ports:
        state, message = states.get('p%d' % port, ('listening', ''))
        found.append({'port': port, 'proto': 'tcp', 'state': state, 'message': message})
    return {'changed': False, 'facts': {'ports': found}}


def _answered(*ports):
    return {'results': [{'host': '127.0.0.1', 'port': port, 'proto': 'tcp', 'state': 'open'} for port in ports]}


def test_the_node_table_names_each_node_by_its_address_role_reachability_and_firewall_facts():
    kept = {'cml1': [{'module': 'server_check', 'result': {'facts': {'firewall': FIREWALL}}}],
            'cml2': [{'module': 'server_check', 'result': {'unreachable': True}}]}
    hostvars = {'localhost': {'safeq_preflight_node_results': kept},
                'cml1': {'ansible_host': '10.0.0.11'}, 'cml2': {'ansible_host': '10.0.0.12'}, 'ors1': {'safeq_server_role': 'ors'}}
    table = _network_records.nodes(['cml1', 'cml2', 'ors1'], hostvars)
    assert table == {'cml1': {'address': '10.0.0.11', 'role': 'cml', 'reachable': True, 'firewall': FIREWALL},
                     'cml2': {'address': '10.0.0.12', 'role': 'cml', 'reachable': False, 'firewall': None},
                     'ors1': {'address': 'ors1', 'role': 'ors', 'reachable': True, 'firewall': None}}


def test_only_the_ports_a_node_s_listener_process_reported_listening_are_ready():
    """Ground truth: cml1's listener process reported 4111 listening and never reported 4112 (stopped after the bound); cml2's
    task failed; cml3's was skipped."""
    why = 'the listener process (pid 4242) was stopped: it did not report its binds within 30 s'
    hostvars = {'cml1': {'ansible_host': '10.0.0.11', 'network_listener': _listener(4111, 4112, p4112=('not-ready', why))},
                'cml2': {'ansible_host': '10.0.0.12', 'network_listener': {'failed': True, 'msg': 'Win32_Process.Create returned 2'}},
                'cml3': {'network_listener': {'skipped': True}}}
    found = _network_records.listening(['cml1', 'cml2', 'cml3'], hostvars, ready_seconds=30)
    assert list(found) == ['10.0.0.11']
    assert found['10.0.0.11']['tcp/4111'] == 'ready'
    assert found['10.0.0.11']['tcp/4112'] == 'not-ready: %s (safeq_listener_ready_seconds: 30)' % why


def test_a_node_to_node_fail_is_judged_again_with_the_listener_gone_after_the_probes_in_the_record():
    """Ground truth as in test_port_matrix: cml1's probe of cml2's TCP 4111 was refused while cml2's listener was ready; cml2's
    loopback re-check after every probe found 4111 silent. The record judges the flow listener-missing (expired), not fail."""
    probe = _node_probe({4111: ('closed', 'conn-refused')})
    after_ports = [int(key.split('/')[1]) for key in ready(['10.0.0.12'], ['cluster'])['10.0.0.12'] if key != 'tcp/4111']
    ports = after_ports + [4111]
    hostvars = {'cml1': {'ansible_host': NODES[0], 'network_probe': probe},
                'cml2': {'ansible_host': NODES[1], 'network_probe': {'changed': False, 'skipped': True},
                         'network_listener': _listener(*ports), 'network_listener_after': _answered(*after_ports)}}
    records = _network_records.append(['cml1', 'cml2'], hostvars, {}, [], True, _enrich)
    judged = {f['id']: f for f in records['cml1'][0]['result']['findings']}
    entries = {t['entry'] for t in probe['results'] if t['port'] == 4111}
    assert {(judged[e]['status'], judged[e]['reason']) for e in entries} == {('manual', 'listener-missing')}
    # the record keeps what the report reads (the findings, whose observed flows carry the re-judged verdicts), not the flows
    assert 'results' not in records['cml1'][0]['result'] and 'summary' not in records['cml1'][0]['result']
    observed = [o for e in entries for o in _port_evaluate.flows(judged[e]['observed'])]
    assert observed and {o['verdict'] for o in observed if o['target'].endswith(':4111/tcp')} == {'manual'}
    assert records['cml2'] == [{'module': 'port_check', 'result': {'changed': False, 'skipped': True}, 'targets': 0}]


def test_the_vantage_flows_are_recorded_per_role_plan_and_an_unreachable_node_keeps_its_skip_without_a_target_count():
    plan = _port_matrix.plan(NODES, [], vantages={'printer': ['vp-printer']}, listening=ready(NODES))
    hostvars = {'localhost': {'safeq_preflight_node_results': {'cml2': [{'module': 'server_check', 'result': {'unreachable': True}}]}},
                'cml1': {'ansible_host': NODES[0], 'network_probe': {'skipped': True}},
                'cml2': {'ansible_host': NODES[1], 'network_probe': {'skipped': True}},
                'ors1': {'safeq_server_role': 'ors', 'network_probe': {'skipped': True}}}
    runs = [{'item': {'kind': 'printer', 'host': 'vp-printer'}, 'failed': True, 'msg': 'vantage point down'}]
    records = _network_records.append(['cml1', 'cml2', 'ors1'], hostvars, {'cml': plan}, runs, True, _enrich)
    cml1 = records['cml1'][0]['result']['findings']
    assert cml1 and {f['reason'] for f in cml1 if f['status'] == 'error'} == {'vantage-probe-failed'}
    assert records['cml1'][1] == {'module': 'port_check', 'result': {'skipped': True}, 'targets': 0}
    assert records['cml2'][-1] == {'module': 'port_check', 'result': {'skipped': True}}  # unreachable: the report's host-unreachable
    assert [item['module'] for item in records['ors1']] == ['port_check']  # no ORS plan: only its own probe
    without = _network_records.append(['cml1'], hostvars, {'cml': plan}, runs, False, _enrich)
    assert len(without['cml1']) == 1  # safeq_port_derive false: no vantage flows


def test_a_node_unreachable_at_its_loopback_re_check_has_no_listener_that_stood_through_the_probes():
    """Ground truth: cml2's listener held its ports when the probes began; the re-check after every probe could not reach cml2.
    Nothing then shows the listener stood through the probes, so cml1's refused flow to TCP 4111 is judged without one
    (manual listener-missing), never a fail on a listener that may have gone (as before the records moved to the controller)."""
    probe = _node_probe({4111: ('closed', 'conn-refused')})
    ports = [int(key.split('/')[1]) for key in ready(['10.0.0.12'], ['cluster'])['10.0.0.12']]
    hostvars = {'cml1': {'ansible_host': NODES[0], 'network_probe': probe},
                'cml2': {'ansible_host': NODES[1], 'network_probe': {'changed': False, 'skipped': True},
                         'network_listener': _listener(*ports),
                         'network_listener_after': {'unreachable': True, 'msg': 'Node unreachable after one retry'}}}
    records = _network_records.append(['cml1', 'cml2'], hostvars, {}, [], True, _enrich)
    judged = {f['id']: f for f in records['cml1'][0]['result']['findings']}
    entries = {t['entry'] for t in probe['results'] if t['port'] == 4111}
    assert {(judged[e]['status'], judged[e]['reason']) for e in entries} == {('manual', 'listener-missing')}
    # not re-checked (skipped, or cml2 left the play before its check): nothing shows its listener stood through the probes
    for after in ({'changed': False, 'skipped': True}, None):
        if after is None:
            del hostvars['cml2']['network_listener_after']
        else:
            hostvars['cml2']['network_listener_after'] = after
        records = _network_records.append(['cml1', 'cml2'], hostvars, {}, [], True, _enrich)
        judged = {f['id']: f for f in records['cml1'][0]['result']['findings']}
        assert {(judged[e]['status'], judged[e]['reason']) for e in entries} == {('manual', 'listener-missing')}
        assert all('the loopback check after the probes did not run' in judged[e]['detail'] for e in entries)
    # answered after every probe: the listener stood, so the refusal is a fail (ground truth for the assertions above)
    hostvars['cml2']['network_listener_after'] = _answered(*ports)
    records = _network_records.append(['cml1', 'cml2'], hostvars, {}, [], True, _enrich)
    judged = {f['id']: f for f in records['cml1'][0]['result']['findings']}
    assert {(judged[e]['status'], judged[e]['reason']) for e in entries} == {('fail', 'refused-with-listener')}


def test_only_nodes_a_flow_with_a_listener_did_not_reach_are_re_checked():
    """Ground truth: cml1's probe of cml2's TCP 4111 was refused (cml2's listener ready); every other flow answered. A printer
    vantage point found cml1's TCP 9100 silent; a flow without a listener that was refused, a failed run and a skipped probe
    doubt nothing."""
    refused = _node_probe({4111: ('closed', 'conn-refused')})
    hostvars = {'cml1': {'network_probe': refused}, 'cml2': {'network_probe': _node_probe({})}, 'cml3': {'network_probe': {'skipped': True}}}
    assert _network_records.rechecks(['cml1', 'cml2', 'cml3'], hostvars) == ['10.0.0.12']
    assert _network_records.rechecks(['cml2', 'cml3'], hostvars) == []
    runs = [{'item': {'kind': 'printer', 'host': 'vp'}, 'results': [
        {'host': '10.0.0.11', 'port': 9100, 'proto': 'tcp', 'listener': True, 'state': 'filtered'},
        {'host': '10.0.0.13', 'port': 9100, 'proto': 'tcp', 'listener': False, 'state': 'closed'}]},
        {'item': {'kind': 'workstation', 'host': 'vp2'}, 'failed': True, 'msg': 'down'}]
    assert _network_records.rechecks(['cml2'], hostvars, runs) == ['10.0.0.11']


def test_a_node_no_flow_doubted_needs_no_re_check_and_a_doubted_one_is_judged_from_the_unanswered_results():
    """Ground truth: cml1's probe returned only its unanswered entries (port_check return_results: unanswered); cml2's listener
    stood when the probes began. All answered: cml2 is not re-checked (its check skipped) and every row passes as probed. Refused
    on 4111 and re-checked with 4111 gone: the whole 4111 entry is judged again from the results kept (listener-missing)."""
    ports = [int(key.split('/')[1]) for key in ready(['10.0.0.12'], ['cluster'])['10.0.0.12']]
    healthy = _node_probe({})
    healthy = dict(healthy, results=_port_check.unanswered(healthy['results']))
    assert healthy['results'] == []
    hostvars = {'cml1': {'ansible_host': NODES[0], 'network_probe': healthy},
                'cml2': {'ansible_host': NODES[1], 'network_probe': {'changed': False, 'skipped': True},
                         'network_listener': _listener(*ports), 'network_listener_after': {'changed': False, 'skipped': True}}}
    doubted = _network_records.rechecks(['cml1', 'cml2'], hostvars)
    records = _network_records.append(['cml1', 'cml2'], hostvars, {}, [], True, _enrich, doubted)
    assert doubted == [] and {f['status'] for f in records['cml1'][0]['result']['findings']} == {'pass'}
    assert records['cml1'][0]['result']['findings'] == healthy['findings']  # as probed: nothing judged again
    refused = _node_probe({4111: ('closed', 'conn-refused')})
    entries = {t['entry'] for t in refused['results'] if t['port'] == 4111}
    hostvars['cml1']['network_probe'] = dict(refused, results=_port_check.unanswered(refused['results']))
    assert {item['entry'] for item in hostvars['cml1']['network_probe']['results']} == entries
    hostvars['cml2']['network_listener_after'] = _answered(*[port for port in ports if port != 4111])
    doubted = _network_records.rechecks(['cml1', 'cml2'], hostvars)
    records = _network_records.append(['cml1', 'cml2'], hostvars, {}, [], True, _enrich, doubted)
    judged = {f['id']: f for f in records['cml1'][0]['result']['findings']}
    assert doubted == ['10.0.0.12'] and {(judged[e]['status'], judged[e]['reason']) for e in entries} == {('manual', 'listener-missing')}
    assert all(len(_port_evaluate.flows(judged[e]['observed'])) == len([t for t in refused['results'] if t['entry'] == e]) for e in entries)
    # a node doubted by its inventory name (a plan that targets names) is judged by its re-check as well
    by_name = _network_records.append(['cml1', 'cml2'], hostvars, {}, [], True, _enrich, ['CML2'])
    assert by_name['cml1'][0]['result']['findings'] == records['cml1'][0]['result']['findings']
