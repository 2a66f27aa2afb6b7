# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""port_check end to end: plan the probes, run them (POSIX engine or a Windows node), classify, evaluate.

PRIVATE to this collection. The module calls ``run_posix``; the action plugin, on a Windows node, sends
``to_windows`` specs through the win_port_probe module and feeds the answers to ``finish`` with ``windows=True``.
"""

from __future__ import annotations

import base64
import random

from ansible_collections.safeq.preflight.plugins.module_utils.ports import _port_classify, _port_engine, _port_evaluate, _port_payloads
from ansible_collections.safeq.preflight.plugins.module_utils.ports import _port_targets

# SslStream.SslProtocol names -> the names Python's ssl module uses.
_WINDOWS_TLS = {'Ssl3': 'SSLv3', 'Tls': 'TLSv1', 'Tls11': 'TLSv1.1', 'Tls12': 'TLSv1.2', 'Tls13': 'TLSv1.3'}
STATES = (_port_classify.OPEN, _port_classify.CLOSED, _port_classify.FILTERED, _port_classify.OPEN_FILTERED, _port_classify.UNKNOWN)


def plan(probes, community='public', rng=None):
    """Add the bytes each probe sends (built here, in Python, for every place a probe runs from)."""
    rng = rng or random.SystemRandom()
    for spec in probes:
        spec['payload'] = b''
        if spec['probe'] == 'snmp':
            spec['request_id'] = rng.randint(1, 0x7FFFFFFF)
            spec['payload'] = _port_payloads.snmp_get_sysdescr(community, spec['request_id'])
        elif spec['probe'] == 'ssrp':
            spec['payload'] = _port_payloads.ssrp_request()
    return probes


def prepare(params):
    """Expand the targets; return the planned specs. Raises _port_targets.TargetError. The option values were checked by
    the action plugin (plugins/plugin_utils/_option_rules.py) before the module was sent."""
    return plan(_port_targets.expand(params['targets']), params.get('snmp_community') or 'public')


def finish(specs, raws, params, windows=False, now=None):
    """Classify raw outcomes and build the module result (results, summary, findings)."""
    by_id = {}
    for raw in raws:
        by_id.setdefault(raw['id'], []).append(raw)
    for spec in specs:
        spec['source'] = params.get('source') or ''
    missing = [spec['id'] for spec in specs if spec['id'] not in by_id]
    if missing:
        raise ValueError('the probe returned no outcome for %d of %d probes (%s...)' % (len(missing), len(specs), ', '.join(missing[:3])))
    # a name that resolves to several addresses gives one result per address; the evaluator takes the worst of them
    results = [_port_classify.classify(spec, raw, windows, now) for spec in specs for raw in by_id[spec['id']]]
    summary = dict.fromkeys(STATES, 0)
    for item in results:
        summary[item['state']] += 1
    findings = _port_evaluate.evaluate(results, params.get('tls_min_days', 30))
    if params.get('return_results') == 'unanswered':
        results = unanswered(results)
    return {'results': results, 'summary': summary, 'findings': findings}


def unanswered(results):
    """The results of every target without an entry and of every entry where a target did not answer (``open``): an entry whose
    targets all answered is left to its finding (``observed`` lists its flows). Whole entries are kept, so a later re-judgement
    of a flow (``_port_matrix.recheck_node_flows``: a listener gone after the probes) judges its entry from all of its flows."""
    doubtful = {item.get('entry') for item in results if item.get('state') != _port_classify.OPEN}
    return [item for item in results if not item.get('entry') or item['entry'] in doubtful]


def shared(specs):
    """``(probes to send, {spec id: id of the probe that answers for it})``: targets that send the same thing to the same place
    (host, port, protocol, probe kind and TLS name; no payload-bearing probe) share one probe. Two catalogue rows on one port
    (a cluster's TCP 4111) then cost one connection per peer, not two; each row is still judged with its own expectation."""
    first, alias = {}, {}
    for spec in specs:
        key = (str(spec['host']).lower(), spec['port'], spec['proto'], spec['probe'], spec.get('server_name'))
        if spec['payload']:  # SNMP request ids, SSRP requests: each probe keeps its own exchange
            key += (spec['id'],)
        alias[spec['id']] = first.setdefault(key, spec['id'])
    return [spec for spec in specs if alias[spec['id']] == spec['id']], alias


def fan_out(raws, alias):
    """The outcomes of the shared probes, one copy per spec they answer for (a name probed at several addresses keeps all)."""
    by_probe = {}
    for raw in raws:
        by_probe.setdefault(raw['id'], []).append(raw)
    return [dict(raw, id=spec_id) for spec_id, probe_id in alias.items() for raw in by_probe.get(probe_id, ())]


def run_posix(params, now=None):
    specs = prepare(params)
    engine = _port_engine.Engine(params['timeout'], params['retries'], params['concurrency'], params['deadline'])
    probes, alias = shared(specs)
    return finish(specs, fan_out(engine.run(probes), alias), params, now=now)


def to_windows(specs, params):
    """The arguments of the win_port_probe module (payloads base64; no community string travels in clear options)."""
    return {'timeout_ms': int(params['timeout'] * 1000), 'retries': params['retries'], 'deadline_ms': int(params['deadline'] * 1000),
            'probes': [{'id': s['id'], 'proto': s['proto'], 'host': s['host'], 'port': s['port'],
                        'payload': base64.b64encode(s['payload']).decode('ascii'), 'tls': s['probe'] == 'tls',
                        'server_name': s['server_name'], 'read': s['probe'] == 'time' and s['proto'] == 'tcp'} for s in specs]}


def from_windows(raw):
    """A win_port_probe outcome -> the engine's raw shape (bytes decoded, WinSock code kept)."""
    tls = raw.get('tls')
    return {'id': raw['id'], 'address': raw.get('address'), 'outcome': raw['outcome'], 'socket_error': raw.get('socket_error'),
            'errno': None, 'icmp': None, 'rtt_ms': raw.get('rtt_ms', 0.0), 'attempts': raw.get('attempts', 1),
            'response': base64.b64decode(raw.get('response') or ''), 'message': raw.get('message', ''),
            'tls': None if not tls else {'version': _WINDOWS_TLS.get(tls.get('version'), tls.get('version')), 'cipher': None,
                                         'der': tls.get('certificate') or '', 'error': tls.get('error')}}
