# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The network role's site-wide steps, once for the play on the controller. PRIVATE to this collection.

The network matrix needs, for every node, what the other nodes registered: their addresses, whether they were reachable,
their Windows Firewall facts, which temporary listeners stood before the probes and which still answered after them.
Templated per node these cost nodes x nodes lookups and one task per node; here each is one ``run_once`` task that reads
``hostvars`` once (docs/pipelines.md, fleet speed). The verdicts stay in ``_port_matrix`` and ``_listener_state``.
"""

from __future__ import annotations

from ansible_collections.safeq.preflight.plugins.plugin_utils import _node_records
from ansible_collections.safeq.preflight.plugins.plugin_utils.ports import _listener_state, _port_matrix

DEFAULT_ROLE = 'cml'  # roles/*/defaults/main.yml: safeq_server_role (a default is not in hostvars)
EMPTY_PLAN = {'targets': {}, 'findings': [], 'sources': [], 'nodes': [], 'evidence': {}}


def _firewall(records):
    for item in records:
        if isinstance(item, dict) and item.get('module') == 'server_check':
            facts = (item.get('result') or {}).get('facts') or {}
            if isinstance(facts.get('firewall'), dict):
                return facts['firewall']
    return None


def nodes(hosts, hostvars):
    """``{host: {address, role, reachable, firewall}}`` for the play's nodes: the address the others probe (``ansible_host`` or
    the name), the server role, whether no check found it unreachable, and the Windows Firewall facts server_check gathered."""
    records = _node_records.all_records(hosts, hostvars)
    down = set(_node_records.unreachable(records))
    table = {}
    for host in hosts or ():
        address, role = _identity(hostvars, host)
        table[host] = {'address': address, 'role': role, 'reachable': host not in down, 'firewall': _firewall(records.get(host) or ())}
    return table


def listening(hosts, hostvars, ready_seconds=None):
    """``{address: {'PROTO/PORT': 'ready' or why not}}`` for the nodes whose listener task answered (``network_listener``):
    the listeners that stand when the probes start (every port its listener process reported listening)."""
    found = {}
    for host in hosts or ():
        states = _listener_state.states(_node_records.raw_vars(hostvars, host).get('network_listener') or {}, ready_seconds=ready_seconds)
        if states:
            found[_identity(hostvars, host)[0]] = states
    return found


def _identity(hostvars, host):
    """``(address, server role)``: the address the others probe (``ansible_host``, templated: an inventory may compute it; else
    the name) and ``safeq_server_role``, from one read of the host's variables."""
    variables = _node_records.host_vars(hostvars, host)
    return str(variables.get('ansible_host') or host), str(variables.get('safeq_server_role') or DEFAULT_ROLE)


def rechecks(hosts, hostvars, vantage_runs=None):
    """The addresses (lower case) of the nodes whose temporary listeners must be re-checked after the probes: those a flow judged
    with a listener did not answer (any state but ``open``) in a node's port-table probe (``network_probe``) or a vantage
    point's run. Only there can a verdict depend on whether the listener still stood: an ``open`` flow is judged the same with
    or without one (``_port_evaluate``), so a node that answered every flow needs no re-check. The probes return every such
    result (port_check ``return_results: unanswered`` keeps them)."""
    runs = [_node_records.registered(hostvars, host, 'network_probe') for host in hosts or ()] + list(vantage_runs or ())
    return sorted({str(item.get('host', '')).lower() for run in runs if isinstance(run, dict) for item in run.get('results') or ()
                   if isinstance(item, dict) and item.get('listener') and item.get('state') != 'open'})


def _still(variables, doubted=True):
    """This node's listener states after every probe; None when it bound no port (nothing to re-check). A re-check that
    failed or could not reach the node counts: no port answered it. One that did not run (skipped, or the node left the play
    before it) proves nothing either: every port is ``not-checked``. Either way no listener is taken to have stood through
    the probes (the flows to it are judged without one, never failed on its silence). All this holds for a node that some flow
    ``doubted`` (``rechecks``); any other node is not re-checked and needs no check: every flow judged with its listeners was
    answered, and an answer is judged the same with or without one (None: nothing of it is judged again)."""
    listener = variables.get('network_listener') or {}
    after = variables.get('network_listener_after')
    if not doubted:
        return None
    if not isinstance(after, dict) or after.get('skipped'):
        return _listener_state.unchecked(listener) or None
    return _listener_state.states(listener, after)


# What a record leaves out of a node's port_check result: the flows one by one (the role asks only for the entries where a flow
# did not answer, ``return_results: unanswered``) and their counts. Each finding's ``observed`` lists its flows, which is what
# the report shows (docs/pipelines.md, fleet speed).
FLOW_KEYS = ('results', 'summary')


def _without_flows(result):
    return {key: value for key, value in result.items() if key not in FLOW_KEYS} if isinstance(result, dict) else result


def append(hosts, hostvars, plans, vantage_runs, derive, enrich, doubted=None):
    """The records kept so far plus, for every node that got to the port-table probe, its share of the vantage points' flows (when its
    role's plan has sources or findings) and its own port-table probe (``FLOW_KEYS`` left out), each flow to another node judged
    again with that node's listeners as they stood after every probe (a listener gone by then makes the flow
    ``listener-missing``, never a fail). ``doubted``: the addresses ``rechecks`` gave, whose listeners the role re-checked
    (None: every node's)."""
    merged = _node_records.kept(hostvars)
    raw = {host: _node_records.raw_vars(hostvars, host) for host in hosts or ()}
    down = set(_node_records.unreachable({host: merged.get(host, []) + _node_records.own_records(raw[host]) for host in raw}))
    identity = {host: _identity(hostvars, host) for host in hosts or ()}
    doubted = None if doubted is None else {str(item).lower() for item in doubted}
    still = {host: _still(raw[host], doubted is None or bool({identity[host][0].lower(), host.lower()} & doubted)) for host in hosts or ()}
    still_hosts = {identity[host][0]: states for host, states in still.items() if states}
    for host in hosts or ():
        if 'network_probe' not in raw[host]:
            continue  # the node left the play before the network role: the report says no check ran there
        probe = raw[host]['network_probe']
        address, role = identity[host]
        plan = (plans or {}).get(role) or EMPTY_PLAN
        items = merged.setdefault(host, [])
        if derive and (plan.get('sources') or plan.get('findings')):
            findings = _port_matrix.node_findings(vantage_runs or [], [address, host], plan, peer_flows=True, still_listening=still[host])
            items.append({'module': 'port_check', 'result': {'changed': False, 'findings': enrich(findings)}})
        record = {'module': 'port_check', 'result': _without_flows(_port_matrix.recheck_node_flows(probe, still_hosts, enrich=enrich))}
        if isinstance(probe, dict) and probe.get('skipped') and host not in down:
            record['targets'] = 0  # skipped on a reachable node: it had no target (the report: ran, its rows not-checked)
        items.append(record)
    return merged
