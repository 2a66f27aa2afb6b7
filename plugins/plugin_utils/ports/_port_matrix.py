# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The network matrix's flows from the peer networks (vantage points) and each node's share of them. Pure.

PRIVATE to this collection. Flows from workstations, printers, terminals or MPS into a SafeQ node are probed
from hosts the inventory declares for that network (group ``safeq_vantage_<peer>``), never silently from the
controller. ``plan`` gives, per peer kind, the targets of its vantage points towards the nodes, and the
findings of the rows that cannot be probed: ``manual`` when no vantage point is declared (naming the group
to add), ``skip`` when temporary listeners are off and the node is not known to answer resets. From the
workstation and printer networks the rows the checklist keeps local or blocked from outside (JMX, RMI, the
terminal-server port) are probed too, expecting NOT reachable (least privilege). A target is a listener only for the
ports the node's temporary listener bound and answered on its loopback (``listening`` per port); the nodes' Windows
Firewall facts (``firewalls``) give the least-privilege flows their evidence and each node its firewall advisory.
``node_findings`` turns the port_check results of every vantage point into findings for one node (its own addresses
only), with that evidence.
"""

from __future__ import annotations

from ansible_collections.safeq.preflight.plugins.module_utils import _findings
from ansible_collections.safeq.preflight.plugins.module_utils.ports import _firewall, _port_evaluate
from ansible_collections.safeq.preflight.plugins.plugin_utils import _catalogue
from ansible_collections.safeq.preflight.plugins.plugin_utils.ports import _listener_state
from ansible_collections.safeq.preflight.plugins.plugin_utils.ports._port_derive import (
    PROBES, DeriveError, by_host, known_resets, listener_of, listening_problems, ports_of)

VANTAGE_KINDS = ('workstation', 'printer', 'terminal_server', 'mps', 'client', 'ap_connector', 'payment_machine', 'recharging_station',
                 'ors', 'crs', 'etcd')
LEAST_PRIVILEGE_FROM = ('workstation', 'printer')
# Rows the checklist keeps away from the workstation and printer networks although they are not local: the RMI ports
# (web status, "CML and MPS" only) and the terminal-server port (localhost_only in the catalogue already).
BLOCKED_FROM_OUTSIDE = frozenset(('net.inter-server.tcp-20222', 'net.inter-server.tcp-20223', 'net.inter-server.tcp-20224',
                                  'net.inter-server.tcp-20225'))


def group(kind):
    return 'safeq_vantage_' + kind


def _rows(catalogue, features, server_role, inbound=True):
    for entry in catalogue.entries:
        direction = entry.get('direction') or {}
        if entry.get('implemented_by') != 'port_check' or (server_role in direction.get('to', ())) != inbound:
            continue
        if entry['protocol'] not in ('tcp', 'udp') or ports_of(entry) is None:
            continue
        if _catalogue.applicability(entry, features, server_role)[0]:
            yield entry, direction


def _least_privilege(entry, direction):
    return entry.get('localhost_only') or entry['id'] in BLOCKED_FROM_OUTSIDE or 'localhost' in direction.get('from', ())


def evidence_key(host, proto, port):
    return '%s|%s/%d' % (str(host).lower(), proto, int(port))


def plan(nodes, features=(), server_role='cml', vantages=None, listening=None, resets=(), listeners=True, catalogue=None, peers=None,
         firewalls=None):
    """``{'targets': {kind: [targets]}, 'findings': [...], 'sources': [...], 'evidence': {...}}`` for the nodes' addresses; ``peers``
    (peer name to addresses) adds the flows between a peer network and another peer (a payment machine to the payment system).
    ``firewalls`` (node address to its win_server_facts ``firewall``) gives the least-privilege flows their evidence
    (``evidence``, by ``evidence_key``: ``_firewall.block_candidates``) and each node its Windows Firewall advisory findings."""
    catalogue = catalogue or _catalogue.load()
    features = list(features or ())
    unknown = _catalogue.unknown_features(features, catalogue)
    if unknown:
        raise DeriveError('features: unknown feature(s) %s' % ', '.join(map(repr, unknown)))
    vantages = vantages_of(vantages)
    listening = listening or {}
    problems = listening_problems(listening)
    if problems:
        raise DeriveError('listening: %s' % '; '.join(problems))
    listening = by_host(listening)
    listening_nodes = set(listening)
    resets = known_resets(resets)
    targets = {kind: [] for kind in vantages if vantages[kind]}
    findings = []
    firewalls = {str(key).lower(): value for key, value in (firewalls or {}).items()}
    evidence = {}
    for entry, direction in _rows(catalogue, features, server_role):
        flows = [(kind, 'reachable') for kind in direction.get('from', ()) if kind in VANTAGE_KINDS and not entry.get('localhost_only')]
        if _least_privilege(entry, direction):
            flows += [(kind, 'closed') for kind in LEAST_PRIVILEGE_FROM if (kind, 'reachable') not in flows]
        for kind, expect in flows:
            if not vantages.get(kind):
                if expect == 'reachable':
                    findings.append(_findings.finding(entry['id'], _findings.MANUAL, 'no-vantage-point',
                                                      'the flow from the %s network is not probed: no vantage point is declared for it'
                                                      % kind, fix={'kind': kind, 'group': group(kind)}))
                continue
            for node in nodes:
                known = node.lower() in resets
                if node.lower() not in listening_nodes and not known and not listeners:
                    findings.append(_findings.finding(entry['id'], _findings.SKIP, 'listeners-disabled',
                                                      'from %s to %s: not probed, safeq_temporary_listeners is false and %s is not known '
                                                      'to answer resets' % (kind, node, node), node=node))
                    continue
                for port in ports_of(entry):
                    # a listener only where the node's listener process reported this very port listening before any probe
                    listener, missing = listener_of(listening, node, entry['protocol'], port)
                    targets[kind].append({'host': node, 'port': port, 'proto': entry['protocol'], 'entry': entry['id'], 'expect': expect,
                                          'probe': PROBES.get((entry['protocol'], port), 'none'), 'listener': listener,
                                          'listener_missing': missing, 'resets': known})
                    if expect == 'closed':
                        evidence[evidence_key(node, entry['protocol'], port)] = _firewall.block_candidates(
                            firewalls.get(node.lower()), entry['protocol'], port)
    findings += _peer_flows(targets, vantages, peers or {}, features, server_role, resets, catalogue)
    if not listeners:
        findings += _cluster_skips(nodes, features, server_role, resets, catalogue)
    findings += _advisory(nodes, firewalls, features, server_role, catalogue)
    sources = [{'kind': kind, 'host': host} for kind in sorted(targets) if targets[kind] for host in vantages[kind]]
    return {'targets': targets, 'findings': _dedupe(findings), 'sources': sources, 'nodes': list(nodes), 'evidence': evidence}


def _advisory_rows(catalogue, features, server_role):
    return [(entry, port) for entry, direction in _rows(catalogue, features, server_role) if not _least_privilege(entry, direction)
            for port in ports_of(entry)]


def advisory_ports(features=(), server_role='cml', catalogue=None):
    """``[(proto, port, [entry ids])]`` sorted: the inbound ports the Windows Firewall advisory explains on a ``server_role``
    node: every port of the catalogue's inbound port rows that apply to the site (the port-conflict rule's set,
    ``_inbound_ports.inbound``), except the least-privilege rows (local or blocked from outside: no allow rule is wanted)."""
    found = {}
    for entry, port in _advisory_rows(catalogue or _catalogue.load(), list(features or ()), server_role):
        found.setdefault((entry['protocol'], int(port)), []).append(entry['id'])
    return [(proto, port, ids) for (proto, port), ids in sorted(found.items())]


def _advisory(nodes, firewalls, features, server_role, catalogue):
    """The Windows Firewall advisory of each node, on the inbound rows it explains: warn at most (a Block rule on a port SafeQ
    needs, local rules ignored by Group Policy, no enabled allow rule covering the port in a profile in force), never pass or
    fail; the matrix's own findings decide the rows."""
    rows = _advisory_rows(catalogue, features, server_role)
    findings = []
    for node in nodes:
        fw = firewalls.get(node.lower())
        if fw is None:
            continue
        ports = sorted({(entry['protocol'], port) for entry, port in rows})
        for proto, port, reason, sentence in _firewall.advisory(fw, ports):
            for entry, entry_port in rows:
                if (entry['protocol'], entry_port) == (proto, port):
                    findings.append(_findings.finding(entry['id'], _findings.WARN, reason, 'on %s: %s' % (node, sentence), node=node,
                                                      fix={'node': node, 'proto': proto.upper(), 'port': port}))
    return findings


def vantages_of(mapping):
    """``{peer kind: [hosts]}`` from a mapping of kinds or of inventory groups (``safeq_vantage_<kind>``); other keys are ignored."""
    result = {}
    for key, hosts in (mapping or {}).items():
        kind = key[len('safeq_vantage_'):] if str(key).startswith('safeq_vantage_') else key
        if kind in VANTAGE_KINDS and hosts:
            result[kind] = list(hosts)
    return result


def _peer_flows(targets, vantages, peers, features, server_role, resets, catalogue):
    """Rows from a peer network to another peer (not a node): probed from that network's vantage points, if the site names
    the destination; the destination is no node, so no listener: evidence only where it is known to answer resets."""
    findings = []
    for entry, direction in _rows(catalogue, features, server_role, inbound=False):
        if entry.get('localhost_only'):
            continue
        hosts = [(peer, host) for peer in direction.get('to', ()) for host in peers.get(peer) or ()]
        for kind in (kind for kind in direction.get('from', ()) if kind in VANTAGE_KINDS):
            if not hosts:
                continue
            if not vantages.get(kind):
                findings.append(_findings.finding(entry['id'], _findings.MANUAL, 'no-vantage-point',
                                                  'the flow from the %s network is not probed: no vantage point is declared for it' % kind,
                                                  fix={'kind': kind, 'group': group(kind), 'variant': 'no-vantage-point-peer'}))
                continue
            for peer, host in hosts:
                for port in ports_of(entry):
                    targets.setdefault(kind, []).append({
                        'host': host, 'port': port, 'proto': entry['protocol'], 'entry': entry['id'], 'expect': 'reachable',
                        'probe': PROBES.get((entry['protocol'], port), 'none'), 'listener': False,
                        'resets': peer not in _catalogue.SERVER_ROLES and (peer in resets or host.lower() in resets)})
    return findings


def _cluster_skips(nodes, features, server_role, resets, catalogue):
    """Flows between SafeQ nodes that ``derive`` leaves out when listeners are off: skip, with that reason, per node."""
    findings = []
    for entry, direction in _rows(catalogue, features, server_role):
        if entry.get('localhost_only') or not set(direction.get('from', ())) & set(_catalogue.SERVER_ROLES):
            continue
        for node in nodes:
            if node.lower() in resets:
                continue
            findings.append(_findings.finding(entry['id'], _findings.SKIP, 'listeners-disabled',
                                              'flows to %s: not probed, safeq_temporary_listeners is false and %s is not known to '
                                              'answer resets' % (node, node), node=node))
    return findings


def _dedupe(findings):
    seen, result = set(), []
    for item in findings:
        key = (item['id'], item['reason'], item.get('node'))
        if key not in seen:
            seen.add(key)
            result.append(item)
    return result


def _expired(item, still_listening):
    """A flow judged with a listener whose port no longer answered on the node's loopback after the probes: the listener may have
    expired (or died) before this probe arrived, so the flow is judged as without one, with that reason."""
    if still_listening is None or not item.get('listener'):
        return item
    state = still_listening.get('%s/%d' % (item['proto'], int(item['port'])))
    if state == 'ready':
        return item
    if state and state.startswith(_listener_state.UNCHECKED):
        return dict(item, listener=False, listener_missing='not proven: %s, so nothing shows the temporary listener stood through '
                    'the probes' % state)
    return dict(item, listener=False, listener_missing='expired: the temporary listener no longer answered on the node\'s loopback after '
                'the probes (%s); raise safeq_listener_seconds' % (state or 'not checked'))


def _probe_key(item):
    return (item.get('entry'), str(item.get('host', '')).lower(), item.get('proto'), int(item.get('port') or 0), item.get('expect'))


def _not_probed(plan_result, addresses, probed, errors):
    """``{entry: manual finding}`` for this node's planned flows that no vantage point's results cover (the run_once probes ran
    another node's plan, e.g. a node of another server role, or a probe dropped a target): a flow never probed is never a
    pass, and not checked rather than an error that would block the run (the probes themselves ran)."""
    found = {}
    for kind, targets in sorted((plan_result.get('targets') or {}).items()):
        for target in targets:
            if str(target['host']).lower() not in addresses or target['entry'] in errors or target['entry'] in found:
                continue
            if _probe_key(target) not in probed:
                found[target['entry']] = _findings.finding(
                    target['entry'], _findings.MANUAL, 'vantage-not-probed', 'from the %s network to %s:%s/%s: planned for this node but '
                    'never probed (no vantage point result covers it)' % (kind, target['host'], target['port'], target['proto']),
                    fix={'where': target['host']})
    return found


def node_findings(runs, addresses, plan_result=None, tls_min_days=30, peer_flows=False, still_listening=None):
    """Findings for one node: its own flows among the results of the vantage points' port_check runs (a run that failed or
    could not reach its vantage point makes its rows ``error``, never missing), and the planned manual/skip findings.
    Least-privilege flows get the plan's firewall evidence (only a Block rule for any remote address counts, so the vantage
    point's own address plays no part). ``still_listening`` (this node's
    ``{'tcp/6020': state}`` after the probes, as ``_listener_state.states`` gives it): a flow judged with a listener whose port
    is no longer ``ready`` then is judged without one (``listener-missing``, expired)."""
    addresses = {str(item).lower() for item in addresses or ()}
    plan_result = plan_result or {}
    nodes = {str(item).lower() for item in plan_result.get('nodes') or ()}
    mine, errors, probed = [], {}, set()
    for run in runs or ():
        if run.get('results') is not None and not run.get('failed') and not run.get('unreachable'):
            for item in run['results']:
                probed.add(_probe_key(item))
                if str(item.get('host', '')).lower() in addresses or (peer_flows and str(item.get('host', '')).lower() not in nodes):
                    if str(item.get('host', '')).lower() in addresses:
                        item = _expired(item, still_listening)
                    if item.get('expect') == 'closed':
                        item = dict(item, block_evidence=(plan_result.get('evidence') or {}).get(
                            evidence_key(item['host'], item['proto'], item['port'])))
                    mine.append(item)
            continue
        where = (run.get('item') or {}).get('host') or 'the vantage point'
        for target in (plan_result.get('targets') or {}).get((run.get('item') or {}).get('kind'), ()):
            if str(target['host']).lower() in addresses:
                errors.setdefault(target['entry'], _findings.finding(
                    target['entry'], _findings.ERROR, 'vantage-probe-failed', 'port_check from %s did not run: %s'
                    % (where, run.get('msg') or 'unreachable'), fix={'where': where}))
    errors.update(_not_probed(plan_result, addresses, probed, errors))
    # every flow's finding is kept: the report merges one entry's findings by the worst status, so a vantage point that
    # failed, or a peer network with none, is never hidden by another flow of the same row that passed
    findings = _port_evaluate.evaluate(mine, tls_min_days) + list(errors.values())
    for item in plan_result.get('findings') or ():
        if item.get('node') and str(item['node']).lower() not in addresses:
            continue
        findings.append({key: value for key, value in item.items() if key != 'node'})
    return findings


def recheck_node_flows(result, still_listening, tls_min_days=30, enrich=None):
    """This node's own port_check ``result`` (its flows to the other nodes and the peers) with every flow judged with a listener
    whose destination node's port no longer answered on that node's loopback after the probes judged without one
    (``listener-missing``, expired): a listener that expired or died before this node's probe arrived makes silence or a
    reset a false fail. ``still_listening``: node address to its ``{'tcp/6020': state}`` after the probes (``_listener_state.states``);
    a destination not in it is left as it is (no listener of its own, or not re-checked). Only the findings of the rows
    whose flows changed are judged again (passed through ``enrich``, the action plugins' catalogue enrichment); the rest of the
    result is returned unchanged."""
    if not isinstance(result, dict) or not isinstance(result.get('results'), list) or not still_listening:
        return result
    still = {str(host).lower(): states for host, states in still_listening.items() if isinstance(states, dict)}
    results, changed = [], set()
    for item in result['results']:
        states = still.get(str(item.get('host', '')).lower())
        if states is not None and item.get('listener'):
            judged = _expired(item, states)
            if judged is not item:
                changed.add(item.get('entry'))
                item = judged
        results.append(item)
    changed.discard(None)
    if not changed:
        return result
    again = _port_evaluate.evaluate([item for item in results if item.get('entry') in changed], tls_min_days)
    again = {item['id']: item for item in (enrich(again) if enrich else again)}
    findings = [again.pop(item['id']) if item.get('id') in again else item for item in result.get('findings') or ()]
    return dict(result, results=results, findings=findings + list(again.values()))
