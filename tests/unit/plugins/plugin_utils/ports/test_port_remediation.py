# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""port_check's remediation comes from the catalogue (the network area's variants): every reason the port evaluator and the
port matrix give reaches its finding as the catalogue's text, with the finding's specifics filled in."""

from __future__ import annotations

import pytest

from ansible_collections.safeq.preflight.plugins.module_utils.ports import _port_evaluate
from ansible_collections.safeq.preflight.plugins.plugin_utils import _catalogue
from ansible_collections.safeq.preflight.plugins.plugin_utils.ports import _port_matrix
from tests.lab import firewall_rules

ROW = 'net.ws-in.tcp-80-443'  # a port row without variants of its own
WHERE = 'TCP 80 from vp1 to h:80/tcp'
NODES = ['10.0.0.11']
TLS = {'subject': 'CN=h', 'not_after': '2027-01-01', 'san_dns': [], 'san_ip': [], 'name': 'h', 'name_matches': True, 'days_left': 300,
       'version': 'TLSv1.3'}


def _result(state, expect, reason='no-response', **extra):
    return dict({'host': 'h', 'port': 80, 'proto': 'tcp', 'source': 'vp1', 'entry': ROW, 'state': state, 'reason': reason, 'expect': expect,
                 'detail': state, 'listener': False, 'resets': False, 'address': '198.18.0.1', 'tls': None}, **extra)


# (variant, result): each result is judged with that reason (and the evaluator chooses that wording)
EVALUATED = [
    ('filtered', _result('filtered', 'reachable', listener=True)),
    ('filtered-service', _result('filtered', 'open')),
    ('refused-with-listener', _result('closed', 'reachable', 'conn-refused', listener=True)),
    ('closed', _result('closed', 'open', 'conn-refused')),
    ('reachable-should-be-blocked', _result('open', 'closed', 'syn-ack', listener=True)),
    ('block-not-proven', _result('filtered', 'closed', listener=True)),
    ('unreachable-not-evidence', _result('filtered', 'closed', 'host-unreachable', listener=True)),
    ('listener-missing', _result('filtered', 'reachable', listener_missing='conflict: the port is in use')),
    ('reset-not-evidence', _result('closed', 'reachable', 'conn-refused')),
    ('reset-not-proof', _result('closed', 'reachable', 'conn-refused', resets=True)),
    ('silent-no-listener', _result('filtered', 'reachable')),
    ('udp-silent-no-listener', _result('open|filtered', 'reachable', proto='udp')),
    ('no-udp-answer', _result('open|filtered', 'open', proto='udp')),
    ('tls-failed', _result('open', 'open', 'syn-ack', tls={'error': 'handshake failure'})),
    ('tls-certificate-unreadable', _result('open', 'open', 'syn-ack', tls=dict(TLS, parse_error='bad DER'))),
    ('tls-expired', _result('open', 'open', 'syn-ack', tls=dict(TLS, days_left=-1))),
    ('tls-name-mismatch', _result('open', 'open', 'syn-ack', tls=dict(TLS, name_matches=False))),
    ('tls-expiring', _result('open', 'open', 'syn-ack', tls=dict(TLS, days_left=3))),
]


def _variants():
    return _catalogue.load().area_defaults['network']['remediations']


def _prefix(variant):
    """The words of a variant before its first field."""
    return _variants()[variant].split('{', 1)[0]


@pytest.mark.parametrize('variant, result', EVALUATED, ids=[case[0] for case in EVALUATED])
def test_each_reason_of_the_port_evaluator_gets_the_catalogue_text_with_its_fields_filled(variant, result):
    finding = _port_evaluate.evaluate([result])[0]
    assert finding['remediation'] == '' and finding['reason'] == (variant if variant != 'filtered-service' else 'filtered'), finding
    enriched = _catalogue.enrich(finding)
    text = enriched['remediation']
    assert 'fix' not in enriched and '{' not in text and '}' not in text, text
    flow = 'on h (New-NetFirewallRule' if variant == 'block-not-proven' else WHERE.replace('TCP', result['proto'].upper()).replace(
        '/tcp', '/' + result['proto'])
    assert text.startswith(_prefix(variant)) and flow in text, text


def test_the_words_stay_those_port_check_wrote_itself():
    """Two texts in full, as port_check's evaluator worded them before they moved to the catalogue."""
    assert _catalogue.enrich(_port_evaluate.evaluate([EVALUATED[1][1]])[0])['remediation'] == (
        'Allow TCP 80 from vp1 to h:80/tcp on the Windows Firewall of the target and on every network firewall between; then start '
        'the service.')
    assert _catalogue.enrich(_port_evaluate.evaluate([EVALUATED[4][1]])[0])['remediation'] == (
        'Block TCP 80 from vp1 to h:80/tcp: New-NetFirewallRule -DisplayName "SafeQ block TCP 80" -Direction Inbound -Protocol TCP '
        '-LocalPort 80 -Action Block -Profile Any (on h; a port other SafeQ servers use, RMI 20222-20225 from CML and MPS, needs '
        '-RemoteAddress with the whole source network instead), or the same block on the network firewall between.')


def _matrix_findings():
    """variant -> one finding of the port matrix that gives it (ground truth: no vantage point, a failed run, firewall rules)."""
    found = {}
    plan = _port_matrix.plan(NODES, [], vantages={})
    found['no-vantage-point'] = next(f for f in plan['findings'] if f['reason'] == 'no-vantage-point')
    peers = _port_matrix.plan(NODES, ['payment_system', 'payment_machine'], vantages={}, peers={'payment_system': ['10.9.0.5']})
    found['no-vantage-point-peer'] = next(f for f in peers['findings'] if f['reason'] == 'no-vantage-point'
                                          and f['fix'].get('variant') == 'no-vantage-point-peer')
    printer = _port_matrix.plan(NODES, [], vantages={'printer': ['vp-p']}, listening={NODES[0]: {'tcp/80': 'ready'}})
    failed = _port_matrix.node_findings([{'item': printer['sources'][0], 'unreachable': True, 'msg': 'ssh: timed out'}], NODES, printer)
    found['vantage-probe-failed'] = next(f for f in failed if f['reason'] == 'vantage-probe-failed')
    unprobed = _port_matrix.node_findings([{'item': printer['sources'][0], 'results': []}], NODES, printer)
    found['vantage-not-probed'] = next(f for f in unprobed if f['reason'] == 'vantage-not-probed')
    profile = {'name': 'Domain', 'enabled': 'True', 'default_inbound_action': 'Block', 'allow_local_firewall_rules': 'True'}
    facts = {'profiles': [profile], 'active_profile': 'Domain', 'stealth': None, 'errors': {},
             'connections': [{'interface_alias': 'e', 'interface_index': 1, 'network_category': 'DomainAuthenticated'}]}
    block = dict(facts, rules=[firewall_rules.rule(id='w', display_name='no web', profiles='Domain', local_ports=['443'])])
    ignored = dict(facts, rules=[], profiles=[dict(profile, allow_local_firewall_rules='False')])
    for fw in (block, ignored):
        for item in _port_matrix.plan(NODES, [], vantages={}, firewalls={NODES[0]: fw})['findings']:
            if item['reason'].startswith('firewall-'):
                found.setdefault(item['reason'], item)
    return found


def test_each_reason_of_the_port_matrix_gets_the_catalogue_text_with_its_fields_filled():
    found = _matrix_findings()
    for variant, finding in found.items():
        assert finding['remediation'] == '', finding
        text = _catalogue.enrich(finding)['remediation']
        assert '{' not in text and text.startswith(_prefix(variant)), (variant, text)
    assert 'safeq_vantage_workstation' in _catalogue.enrich(found['no-vantage-point'])['remediation']
    assert _catalogue.enrich(found['vantage-probe-failed'])['remediation'] == 'Make vp-p reachable for Ansible, then run again.'
    assert 'Block rule on 10.0.0.11' in _catalogue.enrich(found['firewall-block-rule'])['remediation']
    assert 'allow rule for TCP ' in _catalogue.enrich(found['firewall-local-rules-ignored'])['remediation']


def test_every_variant_of_the_network_area_is_reached_by_a_finding():
    """No variant is dead text: the cases above reach each one (a new port reason needs its text and a case here)."""
    assert {case[0] for case in EVALUATED} | set(_matrix_findings()) == set(_variants())
