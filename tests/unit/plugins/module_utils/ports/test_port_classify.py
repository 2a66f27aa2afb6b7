# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Raw socket outcomes -> nmap-style states, findings per catalogue row, and the Windows round trip (no sockets)."""

from __future__ import annotations

import base64

import pytest

from ansible_collections.safeq.preflight.plugins.module_utils.ports import _port_check, _port_classify, _port_evaluate, _port_payloads
from ansible_collections.safeq.preflight.plugins.plugin_utils import _catalogue
from tests.lab import firewall_rules

PORT_ROW = 'net.ws-in.tcp-80-443'  # a port row without variants of its own: the network area's texts


def _remedy(finding):
    """The remediation the action plugin gives the finding (the catalogue's text, its fields filled from ``fix``)."""
    return _catalogue.enrich(dict(finding, id=PORT_ROW))['remediation']


ICMP = {'origin': 2, 'type': 3}


def _spec(proto='tcp', probe='none', expect='open', entry=None, port=80):
    return {'id': 'p0', 'host': 'h', 'port': port, 'proto': proto, 'probe': probe, 'entry': entry, 'expect': expect, 'server_name': 'h',
            'request_id': 7}


def _raw(outcome, errno_name=None, icmp=None, response=b'', address='198.18.0.2', **extra):
    return dict({'id': 'p0', 'address': address, 'outcome': outcome, 'errno': errno_name, 'icmp': icmp, 'rtt_ms': 1.0, 'attempts': 1,
                 'response': response, 'tls': None, 'message': ''}, **extra)


@pytest.mark.parametrize('proto, raw, state, reason', [
    ('tcp', _raw('connected'), 'open', 'syn-ack'),
    ('tcp', _raw('error', 'ECONNREFUSED'), 'closed', 'conn-refused'),
    ('tcp', _raw('error', 'ECONNREFUSED', dict(ICMP, code=3, **{'from': '198.18.0.2'})), 'closed', 'icmp-port-unreachable'),
    ('tcp', _raw('error', 'EHOSTUNREACH', dict(ICMP, code=13, **{'from': '198.18.0.2'})), 'filtered', 'admin-prohibited'),
    ('tcp', _raw('error', 'EHOSTUNREACH', dict(ICMP, code=1, **{'from': '198.18.0.1'})), 'filtered', 'host-unreachable'),
    ('tcp', _raw('error', 'EHOSTUNREACH'), 'filtered', 'host-unreachable'),
    ('tcp', _raw('error', 'ENETUNREACH'), 'filtered', 'net-unreachable'),
    ('tcp', _raw('error', 'EACCES'), 'filtered', 'admin-prohibited'),
    ('tcp', _raw('timeout'), 'filtered', 'no-response'),
    ('udp', _raw('timeout', attempts=2), 'open|filtered', 'no-response'),
    ('udp', _raw('response', response=b'x'), 'open', 'udp-response'),
    ('udp', _raw('error', 'ECONNREFUSED'), 'closed', 'icmp-port-unreachable'),
    ('udp', _raw('error', 'ECONNREFUSED', dict(ICMP, code=3, **{'from': '198.18.9.1'})), 'filtered', 'icmp-port-unreachable'),
    ('udp', _raw('error', 'EHOSTUNREACH', dict(ICMP, code=10, **{'from': '198.18.0.2'})), 'filtered', 'admin-prohibited'),
    ('tcp', _raw('dns-failure', message='Name or service not known'), 'unknown', 'dns-failure'),
    ('tcp', _raw('not-run'), 'unknown', 'deadline'),
    ('tcp', _raw('error', 'EMFILE'), 'unknown', 'local-error'),
])
def test_posix_outcomes_map_to_nmap_states(proto, raw, state, reason):
    result = _port_classify.classify(_spec(proto), raw)
    assert (result['state'], result['reason']) == (state, reason)
    assert result['detail']


@pytest.mark.parametrize('proto, code, state, reason', [
    ('tcp', 10061, 'closed', 'conn-refused'), ('tcp', 10054, 'closed', 'conn-refused'), ('udp', 10054, 'closed', 'icmp-port-unreachable'),
    ('tcp', 10065, 'filtered', 'host-unreachable'), ('tcp', 10051, 'filtered', 'net-unreachable'), ('tcp', 10013, 'filtered', 'admin-prohibited'),
    ('tcp', 11001, 'unknown', 'dns-failure'), ('tcp', 10055, 'unknown', 'local-error'),
])
def test_winsock_codes_map_to_the_same_states(proto, code, state, reason):
    raw = _port_check.from_windows({'id': 'p0', 'outcome': 'error', 'socket_error': code, 'rtt_ms': 3.0, 'response': '', 'message': 'x'})
    result = _port_classify.classify(_spec(proto), raw, windows=True)
    assert (result['state'], result['reason']) == (state, reason)


def test_a_silent_windows_target_is_phrased_as_service_down_or_blocked():
    raw = _port_check.from_windows({'id': 'p0', 'outcome': 'timeout', 'socket_error': 10060, 'rtt_ms': 1000.0, 'response': ''})
    result = _port_classify.classify(_spec(), raw, windows=True)
    assert result['state'] == 'filtered' and 'service down or blocked' in result['detail'] and 'Windows Firewall' in result['detail']


def test_application_answers_are_parsed_and_bad_ones_do_not_hide_the_open_port():
    snmp = _port_payloads.snmp_get_sysdescr('public', 7)
    reply = snmp.replace(b'\xa0', b'\xa2').replace(b'\x05\x00', b'\x04\x00')
    result = _port_classify.classify(_spec('udp', 'snmp'), _raw('response', response=reply))
    assert (result['state'], result['reason'], result['app']) == ('open', 'app-response', {'sys_descr': ''})
    result = _port_classify.classify(_spec('udp', 'snmp'), _raw('response', response=b'junk'))
    assert (result['state'], result['reason'], result['app']) == ('open', 'udp-response', None) and result['app_error']


def test_windows_tls_names_and_base64_certificates_are_normalised():
    raw = _port_check.from_windows({'id': 'p0', 'outcome': 'connected', 'socket_error': None, 'rtt_ms': 2.0, 'response': '',
                                    'tls': {'version': 'Tls12', 'certificate': '', 'error': 'The remote certificate is invalid'}})
    assert raw['tls']['version'] == 'TLSv1.2'
    result = _port_classify.classify(_spec(probe='tls'), raw, windows=True)
    assert result['tls']['error'] == 'The remote certificate is invalid'
    assert _port_evaluate.judge(result)[:2] == ('fail', 'tls-failed')


def _result(state, expect='open', tls=None, reason='x', listener=False, resets=False, source='vp1'):
    return {'host': 'h', 'port': 80, 'proto': 'tcp', 'state': state, 'reason': reason, 'expect': expect, 'detail': state, 'tls': tls,
            'entry': 'e', 'listener': listener, 'resets': resets, 'source': source}


# (state, expect, listener, resets) -> (status, reason): the whole verdict table, written out by hand.
VERDICTS = [
    ('open', 'open', False, False, 'pass', 'open'), ('closed', 'open', False, False, 'fail', 'closed'),
    ('filtered', 'open', False, False, 'fail', 'filtered'), ('open|filtered', 'open', False, False, 'warn', 'no-udp-answer'),
    # with a listener in place
    ('open', 'reachable', True, False, 'pass', 'open'), ('filtered', 'reachable', True, False, 'fail', 'filtered'),
    ('closed', 'reachable', True, False, 'fail', 'refused-with-listener'), ('open|filtered', 'reachable', True, False, 'fail', 'filtered'),
    # no listener, destination known to answer resets (a Linux peer)
    # a reset from a peer that answers resets is not proof: a firewall between that rejects with resets looks the same
    ('closed', 'reachable', False, True, 'warn', 'reset-not-proof'), ('filtered', 'reachable', False, True, 'fail', 'filtered'),
    ('open|filtered', 'reachable', False, True, 'manual', 'udp-silent-no-listener'),
    # no listener, destination not known to answer resets (a Windows peer in stealth mode): never a pass or fail from a reset/silence
    ('open', 'reachable', False, False, 'pass', 'open'), ('closed', 'reachable', False, False, 'manual', 'reset-not-evidence'),
    ('filtered', 'reachable', False, False, 'manual', 'silent-no-listener'),
    ('open|filtered', 'reachable', False, False, 'manual', 'udp-silent-no-listener'),
    # least privilege: silence with the listener in place may be Windows Firewall's default Block for powershell.exe, which
    # SafeQ's installer lifts with its own allow rules: never a pass without evidence (see LEAST_PRIVILEGE)
    ('open', 'closed', True, False, 'warn', 'reachable-should-be-blocked'), ('filtered', 'closed', True, False, 'manual', 'block-not-proven'),
    ('open|filtered', 'closed', True, False, 'manual', 'block-not-proven'),
    # a reset with the listener in place: without the node's firewall facts it may come from the node itself (see LEAST_PRIVILEGE)
    ('closed', 'closed', True, False, 'manual', 'block-not-proven'), ('closed', 'closed', False, True, 'warn', 'reachable-should-be-blocked'),
    ('filtered', 'closed', False, True, 'manual', 'block-not-proven'), ('filtered', 'closed', False, False, 'manual', 'silent-no-listener'),
    ('closed', 'closed', False, False, 'manual', 'reset-not-evidence'), ('open', 'closed', False, False, 'warn', 'reachable-should-be-blocked'),
    ('unknown', 'open', False, False, 'error', 'x'), ('unknown', 'reachable', True, False, 'error', 'x'),
]


@pytest.mark.parametrize('state, expect, listener, resets, status, reason', VERDICTS)
def test_each_expectation_judges_each_state(state, expect, listener, resets, status, reason):
    assert _port_evaluate.judge(_result(state, expect, listener=listener, resets=resets))[:2] == (status, reason)


FW_ON = {'profiles': [{'name': 'Domain', 'enabled': 'True', 'default_inbound_action': 'Block', 'allow_local_firewall_rules': 'True'}],
         'connections': [{'interface_alias': 'Ethernet', 'interface_index': 4, 'network_category': 'DomainAuthenticated'}],
         'active_profile': 'Domain', 'stealth': None, 'errors': {}, 'rules': []}
BLOCK_80 = firewall_rules.rule(id='b80', display_name='Block 80', local_ports=['80'])


STEALTH_ON = {'policy': dict.fromkeys(('DomainProfile', 'PrivateProfile', 'PublicProfile', 'StandardProfile')),
              'local': dict.fromkeys(('DomainProfile', 'StandardProfile', 'PublicProfile'))}
STEALTH_OFF = dict(STEALTH_ON, local=dict(STEALTH_ON['local'], DomainProfile=1))  # DisableStealthMode=1 (local)
OVERRIDE_80 = firewall_rules.rule(id='ipsec', display_name='IPsec bypass', action='Allow', local_ports=['80'], override_block_rules=True)


def _with(fw_change=None, rule_change=None, rules=True, extra=()):
    fw = dict(FW_ON, **(fw_change or {}))
    if rules:
        fw['rules'] = [dict(BLOCK_80, **(rule_change or {}))] + list(extra)
    return fw


# (state, reason, node firewall facts, destination address) -> (status, reason): least privilege with the listener in place
LEAST_PRIVILEGE = [
    ('filtered', 'no-response', None, None, 'manual', 'block-not-proven'),  # no facts: silence proves nothing lasting
    ('filtered', 'no-response', _with(rules=False), None, 'manual', 'block-not-proven'),  # firewall on, no block rule
    ('filtered', 'no-response', _with(), None, 'pass', 'blocked-by-rule'),  # an explicit Block rule: survives installation
    ('open|filtered', 'no-response', _with(rule_change={'protocol': 'Any', 'local_ports': ['Any']}), None, 'pass', 'blocked-by-rule'),
    ('filtered', 'no-response', _with(rule_change={'local_ports': ['81-90']}), None, 'manual', 'block-not-proven'),
    ('filtered', 'no-response', _with(rule_change={'local_ports': ['RPC']}), None, 'manual', 'block-not-proven'),  # a keyword
    ('filtered', 'no-response', _with(rule_change={'action': 'Allow'}), None, 'manual', 'block-not-proven'),
    ('filtered', 'no-response', _with(rule_change={'program': 'C:\\x.exe'}), None, 'manual', 'block-not-proven'),  # one program only
    ('filtered', 'no-response', _with(rule_change={'profiles': 'Public'}), None, 'manual', 'block-not-proven'),  # not the profile in force
    ('filtered', 'no-response', _with(rule_change={'filters_found': False}), None, 'manual', 'block-not-proven'),
    # a local rule Group Policy ignores (AllowLocalFirewallRules False) blocks nothing; a GPO rule does
    ('filtered', 'no-response', _with({'profiles': [dict(FW_ON['profiles'][0], allow_local_firewall_rules='False')]}), None,
     'manual', 'block-not-proven'),
    ('filtered', 'no-response', _with({'profiles': [dict(FW_ON['profiles'][0], allow_local_firewall_rules='False')]},
                                      {'source': 'GroupPolicy'}), None, 'pass', 'blocked-by-rule'),
    # a rule for some remote addresses blocks only them: the vantage point is one host of its network, even when the rule names
    # exactly its address (the others stay allowed after installation)
    ('filtered', 'no-response', _with(rule_change={'remote_addresses': ['198.18.5.10']}), None, 'manual', 'block-not-proven'),
    ('filtered', 'no-response', _with(rule_change={'remote_addresses': ['198.18.5.0/24']}), None, 'manual', 'block-not-proven'),
    ('filtered', 'no-response', _with(rule_change={'remote_addresses': ['LocalSubnet']}), None, 'manual', 'block-not-proven'),
    # every other condition that limits a Block rule to part of the traffic, or that could not be read
    ('filtered', 'no-response', _with(rule_change={'local_addresses': ['198.18.0.1']}), None, 'manual', 'block-not-proven'),
    ('filtered', 'no-response', _with(rule_change={'remote_ports': ['1024-65535']}), None, 'manual', 'block-not-proven'),
    ('filtered', 'no-response', _with(rule_change={'interface_types': 'Wireless'}), None, 'manual', 'block-not-proven'),
    ('filtered', 'no-response', _with(rule_change={'interface_aliases': ['Wi-Fi']}), None, 'manual', 'block-not-proven'),
    ('filtered', 'no-response', _with(rule_change={'package': 'S-1-15-2-1'}), None, 'manual', 'block-not-proven'),
    ('filtered', 'no-response', _with(rule_change={'owner': 'S-1-5-21-1-2-3-1001'}), None, 'manual', 'block-not-proven'),
    ('filtered', 'no-response', _with(rule_change={'local_user': 'D:(A;;CC;;;S-1-5-21-1-2-3-1001)'}), None, 'manual', 'block-not-proven'),
    ('filtered', 'no-response', _with(rule_change={'interface_types': None}), None, 'manual', 'block-not-proven'),  # not read
    ('filtered', 'no-response', _with({'errors': {'interface_filter': {'message': 'x', 'hresult': -2147024891}}}), None, 'manual',
     'block-not-proven'),
    # an allow rule that overrides block rules (authenticated IPsec bypass) beats every Block rule on the port
    ('filtered', 'no-response', _with(extra=[OVERRIDE_80]), None, 'manual', 'block-not-proven'),
    ('filtered', 'no-response', _with(extra=[dict(OVERRIDE_80, local_ports=['81'])]), None, 'pass', 'blocked-by-rule'),
    ('filtered', 'no-response', _with({'errors': {'security_filter': {'message': 'x', 'hresult': -2147024891}}}), None, 'manual',
     'block-not-proven'),
    # firewall off in the profile in force: the silence came from a device between
    ('filtered', 'no-response', _with({'profiles': [dict(FW_ON['profiles'][0], enabled='False')]}, rules=False), None, 'pass', 'blocked-between'),
    ('filtered', 'no-response', _with({'profiles': [dict(FW_ON['profiles'][0], enabled='False')], 'connections': [],
                                       'active_profile': 'Domain, Public'}), None, 'manual', 'block-not-proven'),  # Public unknown
    # a device between answered admin-prohibited; host/net unreachable is what the prober's own stack says when ARP fails
    ('filtered', 'admin-prohibited', None, None, 'pass', 'blocked-between'),
    ('filtered', 'host-unreachable', _with(), None, 'manual', 'unreachable-not-evidence'),
    ('filtered', 'net-unreachable', _with(), None, 'manual', 'unreachable-not-evidence'),
    # a reset with the listener in place: only over IPv4 (the listener binds 0.0.0.0) to a node whose firewall is on with stealth
    # mode in every profile in force (it never resets a port itself)
    ('closed', 'conn-refused', _with({'stealth': STEALTH_ON}, rules=False), '198.18.0.1', 'pass', 'blocked-between'),
    ('closed', 'conn-refused', None, '198.18.0.1', 'manual', 'block-not-proven'),
    ('closed', 'conn-refused', _with(rules=False), '198.18.0.1', 'manual', 'block-not-proven'),  # stealth unreadable
    ('closed', 'conn-refused', _with({'stealth': STEALTH_OFF}, rules=False), '198.18.0.1', 'manual', 'block-not-proven'),
    ('closed', 'conn-refused', _with({'stealth': STEALTH_ON, 'profiles': [dict(FW_ON['profiles'][0], enabled='False')]}, rules=False),
     '198.18.0.1', 'manual', 'block-not-proven'),  # firewall off: the node's own stack resets
    ('closed', 'conn-refused', _with({'stealth': STEALTH_ON}, rules=False), '2001:db8::1', 'manual', 'block-not-proven'),  # IPv6
    ('closed', 'conn-refused', _with({'stealth': STEALTH_ON}, rules=False), None, 'manual', 'block-not-proven'),  # address unknown
]


@pytest.mark.parametrize('state, why, fw, address, status, reason', LEAST_PRIVILEGE)
def test_a_least_privilege_port_passes_only_on_evidence_that_survives_installation(state, why, fw, address, status, reason):
    from ansible_collections.safeq.preflight.plugins.module_utils.ports import _firewall  # pylint: disable=import-outside-toplevel
    result = dict(_result(state, 'closed', reason=why, listener=True), block_evidence=_firewall.block_candidates(fw, 'tcp', 80),
                  address=address)
    judged = _port_evaluate.judge(result)
    assert judged[:2] == (status, reason), judged[2]
    if reason == 'block-not-proven':
        finding = _port_evaluate.evaluate([result])[0]
        assert 'New-NetFirewallRule -DisplayName "SafeQ block TCP 80" -Direction Inbound -Protocol TCP -LocalPort 80' in _remedy(finding)
        assert '-Action Block' in _remedy(finding) and '-RemoteAddress' not in _remedy(finding)
        assert 'SafeQ\'s installer' in finding['detail'] or 'reset came back' in finding['detail']


# The node runs a temporary listener, but not on this port: the precheck could not bind it (conflict, excluded range) or it did
# not answer on the node's loopback in time. Nothing stood there, so no reset or silence can pass or fail the row on a listener.
MISSING = [
    ('filtered', 'reachable', False, 'manual', 'listener-missing'), ('closed', 'reachable', False, 'manual', 'listener-missing'),
    ('open|filtered', 'reachable', False, 'manual', 'listener-missing'), ('filtered', 'closed', False, 'manual', 'listener-missing'),
    ('closed', 'closed', False, 'manual', 'listener-missing'), ('open|filtered', 'closed', False, 'manual', 'listener-missing'),
    # what still decides a row without a listener decides it here too
    ('open', 'reachable', False, 'pass', 'open'), ('open', 'closed', False, 'warn', 'reachable-should-be-blocked'),
    ('closed', 'reachable', True, 'warn', 'reset-not-proof'), ('filtered', 'reachable', True, 'fail', 'filtered'),
]


@pytest.mark.parametrize('state, expect, resets, status, reason', MISSING)
def test_a_port_the_listener_did_not_hold_is_never_judged_as_if_it_did(state, expect, resets, status, reason):
    result = dict(_result(state, expect, listener=False, resets=resets), listener_missing='conflict: the port is in use (socket error 10048)')
    judged = _port_evaluate.judge(result)
    assert judged[:2] == (status, reason)
    if reason == 'listener-missing':
        assert 'no temporary listener held this port: conflict' in judged[2]
        finding = _port_evaluate.evaluate([result])[0]
        assert 'safeq_listener_ready_seconds' in _remedy(finding)


def test_every_flow_sentence_names_its_source_and_a_reset_from_a_stealth_windows_peer_is_no_pass():
    status, reason, sentence = _port_evaluate.judge(_result('closed', 'reachable', source='printer-vp'))
    assert (status, reason) == ('manual', 'reset-not-evidence') and sentence.startswith('from printer-vp to h:80/tcp')
    finding = _port_evaluate.evaluate([_result('filtered', 'reachable', listener=True, source='cml2')])[0]
    assert finding['status'] == 'fail' and 'from cml2 to h:80/tcp' in finding['detail'] and 'from cml2 to h:80/tcp' in _remedy(finding)
    assert finding['observed'][0]['source'] == 'cml2' and finding['observed'][0]['listener'] is True


def test_a_reachable_least_privilege_port_warns_with_the_rule_to_add():
    finding = _port_evaluate.evaluate([dict(_result('open', 'closed', listener=True, source='ws-vp'), port=5555)])[0]
    assert (finding['status'], finding['reason']) == ('warn', 'reachable-should-be-blocked')
    assert 'New-NetFirewallRule' in _remedy(finding) and '-LocalPort 5555' in _remedy(finding)


def test_an_entry_is_the_worst_of_its_targets_and_targets_without_entry_make_no_finding():
    results = [_result('open'), _result('filtered'), dict(_result('closed'), port=81), dict(_result('filtered'), entry=None)]
    findings = _port_evaluate.evaluate(results)
    assert len(findings) == 1 and (findings[0]['id'], findings[0]['status'], findings[0]['reason']) == ('e', 'fail', 'filtered')
    assert 'from vp1 to h:81/tcp: closed' in findings[0]['detail'] and 'h:80/tcp: open' not in findings[0]['detail']
    assert 'Allow TCP 80 from vp1 to h' in _remedy(findings[0]) and len(_port_evaluate.flows(findings[0]['observed'])) == 3


TLS = {'version': 'TLSv1.3', 'subject': 'CN=h', 'not_after': '2027-01-01', 'san_dns': ['h'], 'san_ip': [], 'name': 'h', 'error': None,
       'parse_error': None}


@pytest.mark.parametrize('change, status, reason', [
    ({'days_left': 200, 'name_matches': True}, 'pass', 'tls-ok'), ({'days_left': 10, 'name_matches': True}, 'warn', 'tls-expiring'),
    ({'days_left': -1, 'name_matches': True}, 'fail', 'tls-expired'), ({'days_left': 200, 'name_matches': False}, 'warn', 'tls-name-mismatch'),
    ({'parse_error': 'bad'}, 'error', 'tls-certificate-unreadable'),
])
def test_tls_verdicts(change, status, reason):
    assert _port_evaluate.judge(_result('open', tls=dict(TLS, **change)))[:2] == (status, reason)


def test_finish_refuses_answers_that_miss_probes():
    specs = [dict(_spec(), id='p0'), dict(_spec(), id='p1')]
    with pytest.raises(ValueError, match='no outcome for 1 of 2 probes'):
        _port_check.finish(specs, [_raw('connected')], {})


def test_windows_parameters_carry_payloads_in_base64_and_no_option_secrets():
    specs = _port_check.plan([dict(_spec('udp', 'snmp'), id='p0')], 'c0mmunity')
    params = _port_check.to_windows(specs, {'timeout': 1.5, 'retries': 1, 'deadline': 30.0})
    assert params['timeout_ms'] == 1500 and params['deadline_ms'] == 30000
    assert base64.b64decode(params['probes'][0]['payload']) == specs[0]['payload'] and b'c0mmunity' in specs[0]['payload']
    assert 'c0mmunity' not in repr(params), 'the community travels only inside the base64 payload on stdin'


@pytest.mark.parametrize('state, expect, address, status, reason', [
    ('filtered', 'reachable', '2001:db8::11', 'manual', 'listener-missing'),  # silence over IPv6: no listener stood there
    ('closed', 'reachable', '2001:db8::11', 'manual', 'listener-missing'),  # the node's own IPv6 stack may have reset it
    ('closed', 'closed', '2001:db8::11', 'manual', 'block-not-proven'),  # least privilege: no reset over IPv6 is evidence
    ('open', 'reachable', '2001:db8::11', 'pass', 'open'),  # something answered over IPv6: the path is there
    ('open', 'closed', '2001:db8::11', 'warn', 'reachable-should-be-blocked'),
    ('filtered', 'reachable', '198.18.0.11', 'fail', 'filtered'),  # over IPv4 the listener stood there: the fail stands
])
def test_a_flow_over_ipv6_is_never_judged_with_the_ipv4_only_listener(state, expect, address, status, reason):
    """Ground truth: the temporary listener binds 0.0.0.0 only. A target a node's listener holds, probed at an IPv6 address (the
    node's ansible_host, or the address a name resolved to), met no listener: judged with it, silence was a false fail."""
    result = dict(_result(state, expect, listener=True), host='cml1.example.com', address=address)
    got = _port_evaluate.judge(result)
    assert got[:2] == (status, reason)
    if reason == 'listener-missing':
        assert 'IPv4 only' in got[2]
    literal = dict(_result(state, expect, listener=True), host=address)  # an IPv6 literal as the target, no address reported
    assert _port_evaluate.judge(literal)[:2] == (status, reason)


# A flow to an existing device (a printer, the LDAP or SMTP server) expects its service to answer: a reset or ICMP port unreachable
# from the device (SNMP disabled on the MFP, raw 9100 off) fails, silence fails; an SNMP GET or SQL Browser query that gets no
# answer fails too (a live agent answers it), while an empty datagram a service may ignore stays a warn.
EXISTING_DEVICE = [
    ('open', 'syn-ack', 'tcp', 'none', 'pass', 'open'), ('closed', 'conn-refused', 'tcp', 'none', 'fail', 'closed'),
    ('filtered', 'no-response', 'tcp', 'none', 'fail', 'filtered'),
    ('closed', 'icmp-port-unreachable', 'udp', 'snmp', 'fail', 'closed'),
    ('open|filtered', 'no-response', 'udp', 'snmp', 'fail', 'no-udp-answer'),
    ('open|filtered', 'no-response', 'udp', 'none', 'warn', 'no-udp-answer'),
]


@pytest.mark.parametrize('state, reason, proto, probe, status, verdict_reason', EXISTING_DEVICE)
@pytest.mark.parametrize('resets', [False, True])
def test_an_existing_device_must_answer_with_its_own_service(state, reason, proto, probe, status, verdict_reason, resets):
    result = dict(_result(state, 'open', listener=False, resets=resets), reason=reason, proto=proto, probe=probe)
    assert _port_evaluate.judge(result)[:2] == (status, verdict_reason)


# Each family's own ICMP table: ICMPv4 destination unreachable is type 3, ICMPv6 type 1 (RFC 4443 codes); ICMPv6 type 3 is Time
# Exceeded and ICMPv4 type 1 is no destination-unreachable, so their codes say nothing (the socket's errno decides).
ICMP6 = {'origin': 3, 'type': 1}
FAMILY_ICMP = [
    ('tcp', 'EHOSTUNREACH', dict(ICMP6, code=0), '2001:db8::1', 'filtered', 'net-unreachable'),
    ('tcp', 'EACCES', dict(ICMP6, code=1), '2001:db8::1', 'filtered', 'admin-prohibited'),
    ('tcp', 'EHOSTUNREACH', dict(ICMP6, code=3), '2001:db8::1', 'filtered', 'host-unreachable'),
    ('udp', 'ECONNREFUSED', dict(ICMP6, code=4), '2001:db8::2', 'closed', 'icmp-port-unreachable'),
    ('udp', 'ECONNREFUSED', dict(ICMP6, code=4), '2001:db8::1', 'filtered', 'icmp-port-unreachable'),
    ('tcp', 'EACCES', dict(ICMP6, code=5), '2001:db8::1', 'filtered', 'admin-prohibited'),
    ('tcp', 'EACCES', dict(ICMP6, code=6), '2001:db8::1', 'filtered', 'admin-prohibited'),
    # ICMPv6 Time Exceeded (type 3, code 0 "hop limit"): not read as an ICMPv4 unreachable code 0; the errno decides
    ('tcp', 'EHOSTUNREACH', {'origin': 3, 'type': 3, 'code': 0}, '2001:db8::1', 'filtered', 'host-unreachable'),
    # ICMPv4 type 1 is no destination unreachable: code 13 is not admin-prohibited there
    ('tcp', 'EHOSTUNREACH', {'origin': 2, 'type': 1, 'code': 13}, '198.18.0.1', 'filtered', 'host-unreachable'),
    ('tcp', 'EHOSTUNREACH', dict(ICMP, code=13), '198.18.0.1', 'filtered', 'admin-prohibited'),
]


@pytest.mark.parametrize('proto, errno_name, icmp, sender, state, reason', FAMILY_ICMP)
def test_icmp_is_read_with_the_table_of_its_own_family(proto, errno_name, icmp, sender, state, reason):
    address = '2001:db8::2' if icmp['origin'] == 3 else '198.18.0.2'
    result = _port_classify.classify(_spec(proto), _raw('error', errno_name, dict(icmp, **{'from': sender}), address=address))
    assert (result['state'], result['reason']) == (state, reason)


def test_observed_groups_flows_by_outcome_and_flows_gives_them_back_one_by_one():
    results = [dict(_result('open', 'reachable', reason='syn-ack', listener=True, source='cml2'), host='10.0.0.11', address='10.0.0.11'),
               dict(_result('open', 'reachable', reason='syn-ack', listener=True, source='cml2'), host='10.0.0.13', address='10.0.0.13'),
               dict(_result('filtered', 'reachable', reason='no-response', listener=True, source='cml2'), host='10.0.0.12', address=None),
               dict(_result('open', 'reachable', reason='syn-ack', listener=True, source='cml2'), host='db.example', address='10.0.0.9')]
    (found,) = _port_evaluate.evaluate(results)
    assert found['observed'] == [
        {'source': 'cml2', 'state': 'open', 'reason': 'syn-ack', 'listener': True, 'verdict': 'pass',
         'targets': ['10.0.0.11:80/tcp', '10.0.0.13:80/tcp', 'db.example:80/tcp'], 'addresses': ['10.0.0.11', '10.0.0.13', '10.0.0.9']},
        {'source': 'cml2', 'state': 'filtered', 'reason': 'no-response', 'listener': True, 'verdict': 'fail',
         'targets': ['10.0.0.12:80/tcp'], 'addresses': [None]}]
    flows = _port_evaluate.flows(found['observed'] + [{'not': 'a group'}, 'text'])
    assert flows[4:] == [{'not': 'a group'}, 'text']  # anything else merged into the row stays as it is
    flows = flows[:4]
    assert [(f['target'], f['address'], f['state'], f['verdict']) for f in flows] == [
        ('10.0.0.11:80/tcp', '10.0.0.11', 'open', 'pass'), ('10.0.0.13:80/tcp', '10.0.0.13', 'open', 'pass'),
        ('db.example:80/tcp', '10.0.0.9', 'open', 'pass'), ('10.0.0.12:80/tcp', None, 'filtered', 'fail')]
    assert all(f['source'] == 'cml2' and f['listener'] is True and f['reason'] in ('syn-ack', 'no-response') for f in flows)
    assert _port_evaluate.flows('fail') == [] and _port_evaluate.flows(None) == []
    assert _port_evaluate.grouped(found['observed']) and not _port_evaluate.grouped(flows) and not _port_evaluate.grouped({'targets': []})


@pytest.mark.parametrize('expect', ['open', 'reachable', 'closed'])
@pytest.mark.parametrize('resets', [False, True])
def test_an_open_flow_is_judged_the_same_with_or_without_a_listener(expect, resets):
    """What the network role's re-check after the probes relies on (only nodes that some flow did not reach are re-checked):
    an answer is judged the same whether or not a listener stood there, including the least-privilege path and a TLS probe."""
    certificate = {'version': 'TLSv1.2', 'cipher': None, 'error': None, 'subject': 'CN=h', 'issuer': 'CN=CA', 'san_dns': ['h'], 'san_ip': [],
                   'not_before': '2026-01-01T00:00:00+00:00', 'not_after': '2028-01-01T00:00:00+00:00', 'days_left': 400,
                   'self_signed': False, 'name': 'h', 'name_matches': True, 'parse_error': None}
    for tls in (None, certificate, dict(certificate, days_left=3)):
        base = dict(_result('open', expect, tls=tls, reason='syn-ack', resets=resets), address='10.0.0.12', host='10.0.0.12')
        with_listener = _port_evaluate.judge(dict(base, listener=True))
        without = _port_evaluate.judge(dict(base, listener=False, listener_missing='expired: gone'))
        assert with_listener == without
