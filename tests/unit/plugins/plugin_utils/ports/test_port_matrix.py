# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Vantage-point flows: which rows are probed from where, and which stay manual or skip, with the reason."""

from __future__ import annotations

from ansible_collections.safeq.preflight.plugins.plugin_utils import _catalogue
from ansible_collections.safeq.preflight.plugins.plugin_utils.ports import _port_derive, _port_matrix
from tests.lab import firewall_rules

NODES = ['10.0.0.11', '10.0.0.12']


def ready(nodes, features=()):
    """Every inbound port of every node bound and answering on its loopback (the listening mapping of the role)."""
    ports = _port_derive.inbound_ports(list(features), 'cml')
    return {node: {'%s/%d' % (p['proto'], p['port']): 'ready' for p in ports} for node in nodes}


def test_printer_rows_are_probed_from_the_printer_vantage_and_missing_networks_are_manual_naming_the_group():
    plan = _port_matrix.plan(NODES, [], vantages={'printer': ['vp-printer']}, listening=ready(NODES))
    printer = plan['targets']['printer']
    assert {t['host'] for t in printer} == set(NODES) and all(t['listener'] for t in printer)
    jmx = [t for t in printer if t['entry'] == 'net.ws-in.tcp-19898']
    assert jmx and {t['expect'] for t in jmx} == {'closed'}  # least privilege: JMX must not be reachable from printers
    manual = {f['id']: f for f in plan['findings'] if f['status'] == 'manual'}
    assert 'net.ws-in.tcp-80-443' in manual and 'safeq_vantage_workstation' in _catalogue.enrich(manual['net.ws-in.tcp-80-443'])['remediation']
    assert 'workstation' not in plan['targets']  # never silently from the controller


def test_without_listeners_flows_to_nodes_not_known_to_answer_resets_skip_with_that_reason():
    plan = _port_matrix.plan(NODES, [], vantages={'workstation': ['vp-ws']}, listeners=False, resets=['10.0.0.12'])
    hosts = {t['host'] for t in plan['targets']['workstation']}
    assert hosts == {'10.0.0.12'} and all(t['resets'] and not t['listener'] for t in plan['targets']['workstation'])
    skips = [f for f in plan['findings'] if f['status'] == 'skip']
    assert skips and all(f['reason'] == 'listeners-disabled' and f['node'] == '10.0.0.11' for f in skips)
    assert 'safeq_temporary_listeners is false' in skips[0]['detail']


def test_a_node_gets_only_its_own_flows_judged_and_its_planned_findings():
    results = [{'host': h, 'port': 80, 'proto': 'tcp', 'state': 'open', 'reason': 'syn-ack', 'expect': 'reachable', 'detail': 'open',
                'tls': None, 'entry': 'net.ws-in.tcp-80-443', 'listener': True, 'resets': False, 'source': 'vp-ws'} for h in NODES]
    results[1]['state'] = 'filtered'
    planned = [{'id': 'x.skip', 'status': 'skip', 'reason': 'listeners-disabled', 'detail': '', 'remediation': '', 'source': '',
                'node': '10.0.0.12'}]
    runs = [{'item': {'kind': 'workstation', 'host': 'vp-ws'}, 'results': results}]
    first = _port_matrix.node_findings(runs, ['10.0.0.11'], {'findings': planned})
    second = _port_matrix.node_findings(runs, ['10.0.0.12'], {'findings': planned})
    assert [(f['id'], f['status']) for f in first] == [('net.ws-in.tcp-80-443', 'pass')]
    assert [(f['id'], f['status']) for f in second] == [('net.ws-in.tcp-80-443', 'fail'), ('x.skip', 'skip')]
    assert 'node' not in second[1] and second[0]['detail'].startswith('from vp-ws to 10.0.0.12:80/tcp')


def test_a_vantage_point_that_could_not_run_makes_its_rows_error_never_missing():
    plan = _port_matrix.plan(NODES, [], vantages={'safeq_vantage_printer': ['vp-p'], 'safeq_nodes': ['x']}, listening=ready(NODES))
    assert plan['sources'] == [{'kind': 'printer', 'host': 'vp-p'}]
    findings = _port_matrix.node_findings([{'item': plan['sources'][0], 'unreachable': True, 'msg': 'ssh: timed out'}], ['10.0.0.11'], plan)
    errors = [f for f in findings if f['status'] == 'error']
    assert errors and all(f['reason'] == 'vantage-probe-failed' and 'vp-p' in f['detail'] for f in errors)


def test_without_listeners_cluster_flows_are_left_out_of_the_targets_and_skip_per_node():
    from ansible_collections.safeq.preflight.plugins.plugin_utils.ports import _port_derive  # pylint: disable=import-outside-toplevel
    peers = {'cml': NODES}
    assert _port_derive.derive(peers, ['cluster'], listeners=False) == []
    # a SafeQ node's address never counts as answering resets (preflight_validate refuses it; derive ignores it too)
    assert _port_derive.derive(peers, ['cluster'], listeners=False, resets=['10.0.0.12']) == []
    plan = _port_matrix.plan(NODES, ['cluster'], listeners=False)
    cluster = [f for f in plan['findings'] if f['id'] == 'net.cluster.tcp-6020']
    assert {f['node'] for f in cluster} == set(NODES) and {f['status'] for f in cluster} == {'skip'}


def test_flows_between_a_peer_network_and_another_peer_are_probed_from_its_vantage_and_judged_for_every_node():
    plan = _port_matrix.plan(NODES, ['payment_system', 'payment_machine'], vantages={'payment_machine': ['vp-pm']},
                             peers={'payment_system': ['10.9.0.5']}, resets=['payment_system'])
    pm = [t for t in plan['targets']['payment_machine'] if t['host'] == '10.9.0.5']
    assert pm and all(t['resets'] and not t['listener'] and t['expect'] == 'reachable' for t in pm)
    result = [dict(t, state='open', reason='syn-ack', detail='open', tls=None, source='vp-pm') for t in pm]
    runs = [{'item': {'kind': 'payment_machine', 'host': 'vp-pm'}, 'results': result}]
    for node in NODES:
        found = {f['id']: f['status'] for f in _port_matrix.node_findings(runs, [node], plan, peer_flows=True)}
        assert found[pm[0]['entry']] == 'pass'


def test_a_row_one_vantage_point_passed_and_another_could_not_probe_is_never_a_pass():
    """Printers and workstations both reach TCP 9000: the workstation flow passed, the printer's vantage point failed, and a
    third peer network has no vantage point. The report merges one entry's findings by the worst status: never pass."""
    from ansible_collections.safeq.preflight.plugins.plugin_utils.report._report import _merge  # pylint: disable=import-outside-toplevel
    plan = _port_matrix.plan(NODES, [], vantages={'safeq_vantage_workstation': ['vp-ws'], 'safeq_vantage_printer': ['vp-p']},
                             listening=ready(NODES))
    targets = [t for t in plan['targets']['workstation'] if t['host'] == '10.0.0.11']
    results = [dict(t, state='open', reason='syn-ack', detail='open', tls=None, source='vp-ws') for t in targets]
    runs = [{'item': {'kind': 'workstation', 'host': 'vp-ws'}, 'results': results},
            {'item': {'kind': 'printer', 'host': 'vp-p'}, 'unreachable': True, 'msg': 'ssh: timed out'}]
    findings = _port_matrix.node_findings(runs, ['10.0.0.11'], plan)
    printer_entries = {t['entry'] for t in plan['targets']['printer'] if t['host'] == '10.0.0.11'}
    shared = printer_entries & {t['entry'] for t in targets}
    assert shared, 'the lab needs a row both networks reach'
    for entry in shared:
        merged = _merge([f for f in findings if f['id'] == entry])
        assert merged['status'] == 'error' and merged['reason'] == 'vantage-probe-failed', entry


def test_a_port_that_failed_to_bind_or_answered_late_has_no_listener_and_its_rows_cannot_pass_on_it():
    """Ground truth: node .11's listener could not bind JMX 19898 (an excluded port range) and its TCP 80 never answered on the
    node's loopback; node .12 had everything ready. A reset (Linux) or silence from .11's 19898 is no proof of "blocked"."""
    listening = ready(NODES)
    listening['10.0.0.11']['tcp/19898'] = 'conflict: the port is in use or reserved (socket error 10013)'
    for port in ('tcp/80', 'tcp/443'):
        listening['10.0.0.11'][port] = 'not-ready: the temporary listener did not answer on the node\'s loopback within 30 s'
    plan = _port_matrix.plan(NODES, [], vantages={'workstation': ['vp-ws']}, listening=listening)
    by_key = {(t['host'], t['port'], t['entry']): t for t in plan['targets']['workstation']}
    jmx = by_key[('10.0.0.11', 19898, 'net.ws-in.tcp-19898')]
    assert (jmx['listener'], jmx['listener_missing'].split(':')[0]) == (False, 'conflict')
    assert by_key[('10.0.0.12', 19898, 'net.ws-in.tcp-19898')]['listener'] is True
    results = [dict(t, state=state, reason='conn-refused', detail=state, tls=None, source='vp-ws')
               for t in plan['targets']['workstation'] for state in ['closed'] if t['entry'] in ('net.ws-in.tcp-19898', 'net.ws-in.tcp-80-443')]
    runs = [{'item': {'kind': 'workstation', 'host': 'vp-ws'}, 'results': results}]
    first = {f['id']: f for f in _port_matrix.node_findings(runs, ['10.0.0.11'], plan)}
    assert (first['net.ws-in.tcp-19898']['status'], first['net.ws-in.tcp-19898']['reason']) == ('manual', 'listener-missing')
    assert (first['net.ws-in.tcp-80-443']['status'], first['net.ws-in.tcp-80-443']['reason']) == ('manual', 'listener-missing')
    assert 'not-ready' in first['net.ws-in.tcp-80-443']['detail']
    second = {f['id']: f for f in _port_matrix.node_findings(runs, ['10.0.0.12'], plan)}
    assert second['net.ws-in.tcp-80-443']['reason'] == 'refused-with-listener'


def test_listening_is_per_port_and_a_list_of_addresses_is_refused_naming_the_option():
    import pytest  # pylint: disable=import-outside-toplevel
    with pytest.raises(_port_derive.DeriveError, match=r"listening: must be a mapping of node address.*got \['10.0.0.11'\]"):
        _port_matrix.plan(NODES, [], vantages={'workstation': ['vp-ws']}, listening=['10.0.0.11'])
    assert _port_derive.listener_of({'10.0.0.11': {'tcp/80': 'ready'}}, '10.0.0.11', 'tcp', 80) == (True, None)
    assert _port_derive.listener_of({'10.0.0.11': {'tcp/80': 'ready'}}, '10.0.0.11', 'udp', 80)[1].startswith('not-requested')
    assert _port_derive.listener_of({'10.0.0.11': {'tcp/80': 'ready'}}, '10.0.0.12', 'tcp', 80) == (False, None)
    # a name in any case finds its node's listeners once the mapping is keyed by_host (as derive and plan key it)
    listening = _port_derive.by_host({'CML1.Example.COM': {'tcp/80': 'ready'}})
    assert _port_derive.listener_of(listening, 'cml1.example.com', 'tcp', 80) == (True, None)
    assert _port_derive.listener_of(listening, 'CML1.EXAMPLE.COM', 'tcp', 80) == (True, None)


def test_server_roles_and_node_addresses_are_refused_as_answering_resets():
    problems = _port_derive.resets_problems(['printer', 'ors', 'CML', '10.0.0.11', 'dc1'], {'cml1': ['10.0.0.11']})
    assert len(problems) == 3 and problems[0].startswith("'ors' is a SafeQ server role") and "'CML'" in problems[1]
    assert "'10.0.0.11' is SafeQ node cml1" in problems[2]
    assert _port_derive.resets_problems(['printer', 'smtp'], {'cml1': ['10.0.0.11']}) == []
    problems = _port_derive.resets_problems(['198.18.0.8'], {'cml1': ['198.18.0.1']}, {'crs': ['198.18.0.8'], 'smtp': ['198.18.0.9']})
    assert problems and problems[0].startswith("'198.18.0.8' is listed under safeq_peers.crs")
    # and derive never takes a server peer's address as answering resets: CML -> CRS 4139 stays undecided on a reset
    targets = _port_derive.derive({'crs': ['198.18.0.8'], 'cml': ['198.18.0.1']}, features=['central_reporting'], resets=['198.18.0.8'])
    assert [(t['host'], t['port'], t['resets']) for t in targets] == [('198.18.0.8', 4139, False)]
    # the plan itself never takes a server role as answering resets (defence in depth when the filter is used on its own)
    plan = _port_matrix.plan(NODES, ['cluster'], vantages={'ors': ['vp-ors']}, listeners=False, resets=['cml', 'ors'])
    assert not plan['targets'].get('ors') and all(f['status'] == 'skip' for f in plan['findings'] if f['id'].startswith('net.cluster'))


def _firewall_facts(rules):
    return {'profiles': [{'name': 'Domain', 'enabled': 'True', 'default_inbound_action': 'Block', 'allow_local_firewall_rules': 'True'}],
            'active_profile': 'Domain', 'connections': [{'interface_alias': 'e', 'interface_index': 1, 'network_category': 'DomainAuthenticated'}],
            'stealth': None, 'errors': {}, 'rules': rules}


def test_a_silent_least_privilege_port_passes_only_with_a_block_rule_for_any_address_on_the_node():
    """Ground truth: both nodes' listeners are ready and the JMX probes from the workstation vantage point get no answer. Node .11
    has a Block rule for TCP 19898 from any address; node .12 one from the vantage point's own network 10.0.6.0/24 only: the
    other hosts of that network (or of another workstation subnet) stay allowed after installation, so it is no evidence."""
    block = firewall_rules.rule(id='b', display_name='block JMX', source='GroupPolicy', local_ports=['19898'])
    firewalls = {'10.0.0.11': _firewall_facts([block]), '10.0.0.12': _firewall_facts([dict(block, remote_addresses=['10.0.6.0/24'])])}
    plan = _port_matrix.plan(NODES, [], vantages={'workstation': ['vp-ws']}, listening=ready(NODES), firewalls=firewalls)
    jmx = [t for t in plan['targets']['workstation'] if t['entry'] == 'net.ws-in.tcp-19898']
    results = [dict(t, state='filtered', reason='no-response', detail='filtered', tls=None, source='vp-ws') for t in jmx]
    runs = [{'item': {'kind': 'workstation', 'host': 'vp-ws'}, 'results': results}]
    first = {f['id']: f for f in _port_matrix.node_findings(runs, ['10.0.0.11'], plan)}
    assert (first['net.ws-in.tcp-19898']['status'], first['net.ws-in.tcp-19898']['reason']) == ('pass', 'blocked-by-rule')
    assert '"block JMX"' in first['net.ws-in.tcp-19898']['detail']
    second = {f['id']: f for f in _port_matrix.node_findings(runs, ['10.0.0.12'], plan)}
    assert (second['net.ws-in.tcp-19898']['status'], second['net.ws-in.tcp-19898']['reason']) == ('manual', 'block-not-proven')
    assert 'limited by its remote addresses' in second['net.ws-in.tcp-19898']['detail']
    remedy = _catalogue.enrich(second['net.ws-in.tcp-19898'])['remediation']
    assert 'New-NetFirewallRule' in remedy and '-Action Block' in remedy and '-RemoteAddress' not in remedy


def test_the_firewall_advisory_warns_on_the_rows_it_explains_and_never_passes_one():
    block_web = firewall_rules.rule(id='w', display_name='no web', profiles='Domain', local_ports=['443'])
    plan = _port_matrix.plan(NODES, [], vantages={}, firewalls={'10.0.0.11': _firewall_facts([block_web])})
    advisory = [f for f in plan['findings'] if f['reason'].startswith('firewall-')]
    assert advisory and {f['status'] for f in advisory} == {'warn'} and {f['node'] for f in advisory} == {'10.0.0.11'}
    assert 'net.ws-in.tcp-80-443' in {f['id'] for f in advisory}
    assert not [f for f in advisory if f['id'] == 'net.ws-in.tcp-19898']  # least-privilege rows are not "needed" ports
    mine = _port_matrix.node_findings([], ['10.0.0.12'], plan)
    assert not [f for f in mine if f['reason'].startswith('firewall-')]


def test_a_flow_whose_listener_no_longer_answered_after_the_probes_is_judged_without_one():
    stealth = dict(_firewall_facts([]), stealth={'policy': {}, 'local': {}})  # firewall on, stealth mode on: the node never resets
    plan = _port_matrix.plan(NODES, [], vantages={'workstation': ['vp-ws']}, listening=ready(NODES), firewalls={'10.0.0.11': stealth})
    jmx = [t for t in plan['targets']['workstation'] if t['entry'] == 'net.ws-in.tcp-19898' and t['host'] == '10.0.0.11']
    results = [dict(t, state='closed', reason='conn-refused', detail='closed', tls=None, source='vp-ws') for t in jmx]
    runs = [{'item': {'kind': 'workstation', 'host': 'vp-ws'}, 'results': results}]
    alive = {f['id']: f for f in _port_matrix.node_findings(runs, ['10.0.0.11'], plan, still_listening={'tcp/19898': 'ready'})}
    assert alive['net.ws-in.tcp-19898']['reason'] == 'blocked-between'  # a reset with the listener in place: a device between
    gone = {f['id']: f for f in _port_matrix.node_findings(runs, ['10.0.0.11'], plan, still_listening={'tcp/19898': 'not-ready: x'})}
    assert (gone['net.ws-in.tcp-19898']['status'], gone['net.ws-in.tcp-19898']['reason']) == ('manual', 'listener-missing')
    assert 'expired' in gone['net.ws-in.tcp-19898']['detail']


def _node_probe(states):
    """A node's own port_check result towards the other node's cluster ports (derived with that node's listener ready), every
    flow in ``states`` (port -> (state, reason)), judged as port_check judges it."""
    from ansible_collections.safeq.preflight.plugins.module_utils.ports import _port_evaluate  # pylint: disable=import-outside-toplevel
    targets = _port_derive.derive({'cml': NODES}, ['cluster'], exclude=['10.0.0.11'], listening=ready(['10.0.0.12'], ['cluster']))
    results = [dict(t, state=states.get(t['port'], ('open', 'syn-ack'))[0], reason=states.get(t['port'], ('open', 'syn-ack'))[1],
                    detail='probed', tls=None, source='cml1') for t in targets]
    return {'changed': False, 'results': results, 'findings': _port_evaluate.evaluate(results)}


def test_a_node_to_node_fail_needs_the_destination_listener_alive_after_the_probe():
    """Ground truth: cml2's listener held TCP 4111 when the probes began (ready) and was gone after them (the second loopback
    check). cml1's probe of it was refused: judged with the listener a fail (refused-with-listener), a false one; judged with
    cml2's state after the probes it is manual listener-missing (expired). With the listener still there, the fail stands."""
    probe = _node_probe({4111: ('closed', 'conn-refused')})
    entries = {t['entry'] for t in probe['results'] if t['port'] == 4111}
    before = {f['id']: f for f in probe['findings']}
    assert {(before[e]['status'], before[e]['reason']) for e in entries} == {('fail', 'refused-with-listener')}
    still = ready(['10.0.0.12'], ['cluster'])
    gone = _port_matrix.recheck_node_flows(probe, {'10.0.0.12': dict(still['10.0.0.12'], **{'tcp/4111': 'not-ready: no answer'})})
    after = {f['id']: f for f in gone['findings']}
    assert {(after[e]['status'], after[e]['reason']) for e in entries} == {('manual', 'listener-missing')}
    assert all('expired' in after[e]['detail'] for e in entries)
    assert [f['id'] for f in gone['findings']] == [f['id'] for f in probe['findings']]  # the other rows kept, in their order
    assert {f['id']: f for f in gone['findings'] if f['id'] not in entries} == {k: v for k, v in before.items() if k not in entries}
    alive = _port_matrix.recheck_node_flows(probe, still)
    assert alive is probe  # the listener answered after the probes: the fail stands
    assert _port_matrix.recheck_node_flows(probe, {'10.0.0.99': {'tcp/4111': 'not-ready'}}) is probe  # another node's state
    skipped = {'changed': False, 'skipped': True}
    assert _port_matrix.recheck_node_flows(skipped, {'10.0.0.12': {}}) is skipped


def test_passive_ftp_is_probed_from_the_printer_vantage_on_the_declared_range():
    site = _port_derive.with_site_ports(_catalogue.load(), {'from': 50000, 'to': 50003})
    features = ['scan_ftp_passive', 'central_reporting']
    listening = {node: {'%s/%d' % (p['proto'], p['port']): 'ready' for p in _port_derive.inbound_ports(features, 'cml', catalogue=site)}
                 for node in NODES}
    plan = _port_matrix.plan(NODES, features, vantages={'printer': ['vp-printer']}, listening=listening, catalogue=site)
    ftp = [t for t in plan['targets']['printer'] if t['entry'] == _port_derive.FTP_PASSIVE]
    assert sorted((t['host'], t['port']) for t in ftp) == sorted((node, port) for node in NODES for port in range(50000, 50004))
    assert all(t['listener'] and t['expect'] == 'reachable' for t in ftp)
    plain = _port_matrix.plan(NODES, features, vantages={'printer': ['vp-printer']}, listening=listening)
    assert not [t for t in plain['targets']['printer'] if t['entry'] == _port_derive.FTP_PASSIVE]  # undeclared: not checked


def test_a_planned_flow_no_vantage_point_probed_is_an_error_never_a_pass():
    # ground truth: node A's plan has the passive FTP range 5000-5003, node B's 5000-5063; the run_once probe ran A's plan,
    # so B's ports 5004-5063 were never probed and every probed port answered
    entry = _catalogue.load()._by_id[_port_derive.FTP_PASSIVE]
    features = list(entry.get('applies_when') or [])
    short = _port_derive.with_site_ports(_catalogue.load(), {'from': 5000, 'to': 5003})
    wide = _port_derive.with_site_ports(_catalogue.load(), {'from': 5000, 'to': 5063})
    listening = {node: {'tcp/%d' % port: 'ready' for port in range(5000, 5064)} for node in NODES}
    first = _port_matrix.plan(NODES, features, 'cml', {'safeq_vantage_printer': ['p1']}, listening, catalogue=short)
    second = _port_matrix.plan(NODES, features, 'cml', {'safeq_vantage_printer': ['p1']}, listening, catalogue=wide)
    results = [dict(t, state='open', reason='connected', detail='open', tls=None, source='p1') for t in first['targets']['printer']]
    runs = [{'item': first['sources'][0], 'results': results}]
    passive = [f for f in _port_matrix.node_findings(runs, [NODES[1]], second) if f['id'] == _port_derive.FTP_PASSIVE]
    assert ('manual', 'vantage-not-probed') in {(f['status'], f['reason']) for f in passive}
    assert 'never probed' in next(f['detail'] for f in passive if f['reason'] == 'vantage-not-probed')
    same = [f for f in _port_matrix.node_findings(runs, [NODES[1]], first) if f['id'] == _port_derive.FTP_PASSIVE]
    assert same and {f['status'] for f in same} == {'pass'}  # the plan that was probed: every flow covered, no error
