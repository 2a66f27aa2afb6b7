# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Per-node input checks of preflight_validate: each message names the variable, the host and the value."""

from __future__ import annotations

from ansible_collections.safeq.preflight.plugins.action import preflight_validate
from ansible_collections.safeq.preflight.plugins.action.preflight_validate import check_nodes, check_resets


def test_peers_with_an_unknown_name_or_a_bare_string_are_named():
    messages = check_nodes({'cml1': {'safeq_peers': {'smpt': ['mx1'], 'printer': '10.1.2.3'}}, 'cml2': {'safeq_peers': {'smtp': ['mx1']}}}, [])
    assert messages[0].startswith("safeq_peers on host cml1: unknown peer name 'smpt' (known: ")
    assert messages[1] == "safeq_peers on host cml1: printer must be a list of host names or addresses, got '10.1.2.3'"
    assert len(messages) == 2


def test_valid_nodes_give_no_message():
    assert check_nodes({'cml1': {'safeq_peers': {'smtp': ['mx1'], 'printer': ['10.1.2.3']}, 'safeq_server_role': 'cml'}}, []) == []


def test_safeq_servers_are_refused_as_answering_resets_naming_the_variable_the_value_and_the_host():
    nodes = {'cml1': {'safeq_peers_answer_resets': ['printer', 'crs', '198.18.0.12']}, 'cml2': {'safeq_peers_answer_resets': ['smtp']}}
    messages = check_resets(nodes, {'cml1': ['198.18.0.11'], 'cml2': ['198.18.0.12']})
    assert messages == [
        "safeq_peers_answer_resets on host cml1: 'crs' is a SafeQ server role: a Windows SafeQ server with its firewall on never answers "
        'with a reset (stealth mode), so a reset from there comes from a device between and proves nothing; remove it (the flows to '
        'SafeQ servers are proved with their temporary listeners)',
        "safeq_peers_answer_resets on host cml1: '198.18.0.12' is SafeQ node cml2: a Windows SafeQ server with its firewall on never "
        'answers with a reset (stealth mode); remove it (its flows are proved with its temporary listener)']
    assert check_resets({'cml1': {'safeq_peers_answer_resets': ['printer', 'ldap']}}, {'cml1': ['198.18.0.11']}) == []


def test_an_ors_or_crs_address_from_safeq_peers_is_refused_as_answering_resets():
    """Review scenario: the CRS is no node of the run and safeq_peers gives its address; declaring that address as answering
    resets made CML -> CRS TCP 4139 pass on a reset from a device between."""
    nodes = {'cml1': {'safeq_peers': {'crs': ['198.18.0.8'], 'ors': ['ORS1.example.com'], 'smtp': ['198.18.0.9']},
                      'safeq_peers_answer_resets': ['198.18.0.8', 'ors1.example.com', '198.18.0.9']}}
    messages = check_resets(nodes, {'cml1': ['198.18.0.11']})
    assert len(messages) == 2
    assert messages[0].startswith("safeq_peers_answer_resets on host cml1: '198.18.0.8' is listed under safeq_peers.crs, a SafeQ server")
    assert "'ors1.example.com' is listed under safeq_peers.ors" in messages[1]


def test_running_peers_and_the_passive_ftp_range_are_checked_naming_the_variable_the_host_and_the_value():
    from ansible_collections.safeq.preflight.plugins.action.preflight_validate import check_site_ports  # pylint: disable=import-outside-toplevel
    nodes = {'cml1': {'safeq_peers': {'crs': ['198.18.0.8'], 'printer': ['198.18.0.9']},
                      'safeq_peers_running': ['crs', '198.18.0.8', 'printer', '198.18.0.9', 'CML2'],
                      'safeq_ftp_passive_ports': {'from': 50000, 'to': 50100}},
             'cml2': {'safeq_peers_running': 'crs', 'safeq_ftp_passive_ports': {'from': 1023, 'to': 1030}},
             'cml3': {'safeq_peers_running': ['ors'], 'safeq_ftp_passive_ports': {'from': 50000, 'to': 50015}}}
    messages = check_site_ports(nodes, {'cml1': ['198.18.0.11'], 'cml2': ['198.18.0.12'], 'cml3': ['198.18.0.13']})
    assert messages == [
        "safeq_peers_running on host cml1: 'printer' is neither ors, crs nor an address safeq_peers lists under ors or crs: only an ORS "
        'or CRS whose SafeQ service already runs can be declared running',
        "safeq_peers_running on host cml1: '198.18.0.9' is neither ors, crs nor an address safeq_peers lists under ors or crs: only an "
        'ORS or CRS whose SafeQ service already runs can be declared running',
        "safeq_peers_running on host cml1: 'CML2' is SafeQ node cml2 of this run: it is being installed, nothing of SafeQ runs there yet "
        '(its flows are proved with its temporary listener)',
        'safeq_ftp_passive_ports on host cml1: a range of 101 ports: every port of it is probed with a temporary listener, at most 64; '
        'leave it unset for a larger range (the row then stays not checked: a sample would prove nothing about the other ports)',
        "safeq_peers_running on host cml2: must be a list of ors, crs or their addresses in safeq_peers, got 'crs'",
        "safeq_ftp_passive_ports on host cml2: from and to must be ports 1024-65535 with from <= to (the passive range is above 1023), "
        "got {'from': 1023, 'to': 1030}"]


def test_a_variable_of_the_run_once_vantage_plan_set_differently_per_node_is_refused_naming_both_nodes_and_values():
    """Review scenario: node A's passive FTP range 5000-5003, node B's 5000-5063; the vantage points probe once with A's plan."""
    from ansible_collections.safeq.preflight.plugins.action.preflight_validate import check_site_wide  # pylint: disable=import-outside-toplevel
    nodes = {'a': {'safeq_ftp_passive_ports': {'from': 5000, 'to': 5003}, 'safeq_snmp_community': 's3cret-one'},
             'b': {'safeq_ftp_passive_ports': {'from': 5000, 'to': 5063}, 'safeq_snmp_community': 's3cret-two',
                   'safeq_temporary_listeners': True},
             'c': {'safeq_ftp_passive_ports': {'from': 5000, 'to': 5003}, 'safeq_temporary_listeners': False}}
    messages = check_site_wide(nodes, {})
    assert messages[0] == ("safeq_ftp_passive_ports: differs between the nodes a and b (a: {'from': 5000, 'to': 5003}, b: "
                           "{'from': 5000, 'to': 5063}); the vantage points probe once for the whole run with one node's plan, so "
                           'set it once for all nodes (for example in group_vars/all)')
    # a node that leaves it unset has the role default (true): a and b agree, c differs
    assert messages[1].startswith('safeq_temporary_listeners: differs between the nodes a and c (a: True, c: False)')
    assert messages[2].startswith('safeq_snmp_community: differs between the nodes a and b (values not shown')
    assert 's3cret' not in ' '.join(messages) and len(messages) == 3
    same = {host: {'safeq_ftp_passive_ports': {'from': 5000, 'to': 5003}} for host in ('a', 'b')}
    assert check_site_wide(same, {}) == []


def test_the_running_keyword_is_refused_when_a_node_of_the_run_is_such_a_server_naming_it():
    """Review scenario: safeq_peers_running: [crs] while the CRS is a node of the run: its flows needed a running service."""
    from ansible_collections.safeq.preflight.plugins.action.preflight_validate import check_site_ports  # pylint: disable=import-outside-toplevel
    addresses = {'cml1': ['198.18.0.11'], 'crs1': ['198.18.0.8']}
    by_role = {'cml1': {'safeq_peers_running': ['crs']}, 'crs1': {'safeq_server_role': 'crs'}}
    assert check_site_ports(by_role, addresses) == [
        "safeq_peers_running on host cml1: 'crs' declares every CRS running, but node crs1 of this run is being installed, nothing "
        'of SafeQ runs there yet; list only the running CRS servers by their addresses in safeq_peers.crs and safeq_peers_running']
    # the node listed under safeq_peers.crs by its address (any role given) is named the same way
    by_peers = {'cml1': {'safeq_peers_running': ['crs'], 'safeq_peers': {'crs': ['198.18.0.8']}}, 'crs1': {}}
    assert 'node crs1 of this run is being installed' in check_site_ports(by_peers, addresses)[0]
    # an ORS/CRS outside the run may still be declared running by the keyword
    assert check_site_ports({'cml1': {'safeq_peers_running': ['crs'], 'safeq_peers': {'crs': ['198.18.0.99']}}}, addresses) == []


def test_a_node_that_selects_otherwise_than_the_run_is_refused_and_unset_empty_or_null_are_alike():
    """Ground truth: the run selects server.* (read by the validate play); cml2's group variables select ldap.* instead, cml3
    leaves the include unset and sets the exclude empty. Only cml2 differs from the run."""
    nodes = {'cml1': {'safeq_checks_include': ['server.*']}, 'cml2': {'safeq_checks_include': ['ldap.*']},
             'cml3': {'safeq_checks_exclude': None}, 'cml4': {'safeq_checks_include': ['server.*'], 'safeq_checks_exclude': []}}
    compared, site = preflight_validate.normalized_selection(nodes, {'safeq_checks_include': ['server.*'], 'safeq_checks_exclude': None})
    assert site == {'safeq_checks_include': ['server.*'], 'safeq_checks_exclude': []}
    messages = preflight_validate.check_site_wide(compared, site)
    assert messages == ["safeq_checks_include: host cml2 sets it differently from the run (['server.*']): set site-wide variables "
                        "once for all hosts (for example in group_vars/all)"]
