#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: port_check
short_description: Concurrent TCP and UDP reachability with nmap-style states, from the controller or from each Windows node
version_added: 0.1.0
description:
  - Probes every host, port and protocol of O(targets) at once in one task and reports, for each, the state nmap would
    report (V(open), V(closed), V(filtered), V(open|filtered)) with the reason (V(syn-ack), V(conn-refused),
    V(icmp-port-unreachable), V(host-unreachable), V(net-unreachable), V(admin-prohibited), V(no-response),
    V(app-response), V(udp-response), V(dns-failure)) and the round-trip time.
  - UDP uses one connected socket per target, so an ICMP port unreachable shows as V(closed) instead of a timeout, and
    sends a protocol payload where one is known, so an open service answers; without an answer the honest state is
    V(open|filtered).
  - "Protocol probes: V(tls) completes a TLS handshake and reports the protocol version, certificate subject, SANs, issuer,
    days to expiry and whether the certificate names the host; V(snmp) sends an SNMP v2c GET of sysDescr.0; V(ssrp) asks
    the SQL Server Browser for its instances (C(CLNT_UCAST_EX)); V(time) reads the Time protocol (RFC 868)."
  - Runs from the controller or a delegated POSIX host in Python (one selector, non-blocking sockets, ICMP details read from
    the kernel's error queue). On a Windows node (winrm, psrp) the action plugin runs the PowerShell module
    M(safeq.preflight.win_port_probe) in one WinRM command, whatever the number of targets; the node opens all sockets concurrently with bytes given by Python
    and returns raw outcomes; Python classifies them.
  - A target that names a catalogue entry (O(targets[].entry)) produces a finding for that entry; the finding is the worst of
    the entry's targets, judged against O(targets[].expect).
  - Read-only; identical under C(--check).
options:
  targets:
    description: What to probe. At most 4096 probes (host x port x protocol) per task.
    type: list
    elements: dict
    required: true
    suboptions:
      host:
        description:
          - Name or address. A name that does not resolve is a result with state V(unknown) and reason V(dns-failure), not a failed task.
          - From a POSIX host a name is probed at every address it resolves to (one result per address; the worst decides).
        type: str
        required: true
      port:
        description: A port (1-65535), a range V(a-b), or a list of ports and ranges.
        type: raw
        required: true
      proto:
        description: Transport protocol.
        type: str
        choices: [tcp, udp]
        default: tcp
      probe:
        description:
          - Protocol spoken after connecting (TCP) or as the datagram (UDP). V(tls) is TCP only; V(snmp) and V(ssrp) are UDP only;
            V(time) works on both.
          - V(none) on UDP sends an empty datagram, which most services ignore (V(open|filtered)).
        type: str
        choices: [none, tls, snmp, ssrp, time]
        default: none
      entry:
        description: Catalogue entry ID (see M(safeq.preflight.catalogue_info)) that this target evidences.
        type: str
      expect:
        description:
          - What the entry needs. V(open) a service answers. V(reachable) the firewalls let the flow through (before installation
            with O(targets[].listener) or O(targets[].resets), see docs/network-matrix.md). V(closed) the port must not be reachable
            from here (least privilege; reachable is a V(warn) with the firewall rule to add).
        type: str
        choices: [open, reachable, closed]
        default: open
      server_name:
        description: Name the TLS certificate must carry (and the SNI sent); defaults to O(targets[].host).
        type: str
      listener:
        description:
          - V(true) when a listener is known to be in place on the destination port (a temporary one of
            M(safeq.preflight.win_port_listener), or the service). Then V(open) proves the path, silence fails it naming source
            and destination, and a refusal means a device between (or the host firewall) answered for the host.
        type: bool
        default: false
      resets:
        description:
          - V(true) when the destination is known to answer a TCP reset (or ICMP port unreachable) for a port without a listener, as
            a Linux host, a Windows host with its firewall off or not in stealth mode. Without a listener, a refusal or silence is
            evidence only then; otherwise the row is V(manual) (Windows Firewall drops traffic to ports nobody listens on).
        type: bool
        default: false
      listener_missing:
        description:
          - Why no temporary listener holds this port although the destination runs one (for example V(conflict) or V(not-ready),
            with its detail); a row that cannot be decided without the listener then ends V(manual) with reason V(listener-missing)
            and this text, instead of a general one. Ignored when O(targets[].listener) is V(true).
        type: str
  timeout:
    description:
      - Seconds to wait for each probe's answer (per attempt). From a Windows node use at least 2.5 for TCP if refusals matter
        (Windows repeats a refused SYN for about 2 seconds).
    type: float
    default: 1.0
  retries:
    description: Extra datagrams sent to a silent UDP port before it is called V(open|filtered).
    type: int
    default: 1
  concurrency:
    description: Most sockets open at once (1-1024) on a POSIX host. On a Windows node all probes of the task start at once.
    type: int
    default: 256
  deadline:
    description: Overall seconds for the task; probes not started by then are V(unknown) with reason V(deadline).
    type: float
    default: 120
  snmp_community:
    description: Community string of the SNMP probe. A wrong community gets no answer at all (V(open|filtered)).
    type: str
    default: public
  tls_min_days:
    description: A certificate that expires sooner than this many days is a warning.
    type: int
    default: 30
  source:
    description:
      - Name of the host the probes run from, shown in every finding (C(from SOURCE to HOST:PORT/PROTO)). Defaults to the
        delegated host (a vantage point) or the task's host.
    type: str
  return_results:
    description:
      - Which targets' results RV(results) lists. V(all) lists every one.
      - V(unanswered) lists the results of every target without an entry, and of every entry where at least one target did not
        answer (a state other than V(open)); an entry whose every target answered keeps only its finding, whose C(findings[].observed)
        still lists each of its flows. For a large flow matrix whose answered flows nobody reads one by one (the network role; a
        100-node cluster's results are two thirds of what each node returns). RV(summary) counts every result either way.
      - Keep V(all) where something reads the flows that answered one by one, such as the vantage points' runs that
        P(safeq.preflight.flow_findings#filter) shares out to the nodes (a flow missing there is "never probed").
    type: str
    choices: [all, unanswered]
    default: all
    version_added: 0.4.0
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - safeq.preflight.attributes
  - safeq.preflight.attributes.posix_and_windows
notes:
  - Linux rate-limits the ICMP errors it sends (C(net.ipv4.icmp_ratelimit), 1 per second after a burst of 6 per destination), so many
    closed UDP ports probed at once from one host may show as V(open|filtered); probe only the few UDP ports a row needs.
  - Windows Firewall drops connections to ports without a listener instead of refusing them, so from or to a Windows host
    V(filtered) with reason V(no-response) means no answer (service down or blocked).
  - The V(ssrp) probe trips some IDS signatures (Snort SID 2049 "MS-SQL ping attempt").
  - On Windows nodes the gather module needs PowerShell FullLanguage mode (.NET sockets).
seealso:
  - module: safeq.preflight.sql_browser_probe
  - module: ansible.builtin.wait_for
author:
  - safeq.preflight contributors (@safeq-preflight)
"""

EXAMPLES = r"""
- name: From every CML node (runs on the node over WinRM, one command for all targets)
  safeq.preflight.port_check:
    targets:
      - {host: sql01.example.com, port: 1434, proto: udp, probe: ssrp, entry: net.other.udp-1434-cml-db}
      - {host: dc01.example.com, port: 636, probe: tls, entry: net.other.tcp-636-cml-ldap}
      - {host: smtp.example.com, port: 25, entry: net.other.tcp-25-smtp}
      - {host: "{{ groups['safeq_nodes'] | difference([inventory_hostname]) | first }}", port: 5432-5433, expect: reachable}
    timeout: 2.5
  register: ports

- name: From the controller to every CML node, printers by SNMP
  safeq.preflight.port_check:
    targets:
      - {host: "{{ ansible_host }}", port: [80, 443, 515, 9100], expect: reachable}
      - {host: printer01.example.com, port: 161, proto: udp, probe: snmp}
    snmp_community: "{{ vault_snmp_community }}"
  delegate_to: localhost

- name: Fail the play on any closed or filtered port
  ansible.builtin.assert:
    that: ports.results | rejectattr('state', 'equalto', 'open') | list | length == 0
    fail_msg: "{{ ports.results | rejectattr('state', 'equalto', 'open') | map(attribute='detail') | list }}"
"""

RETURN = r"""
results:
  description:
    - One result per host, port and protocol, in the order of O(targets); a name probed from a POSIX host gives one result per
      address it resolves to (C(address) says which; C(null) when the probe did not reach the socket stage or, from a Windows
      node, unless a connection was made (a reset or silence leaves it null)).
    - With O(return_results=unanswered), only the targets without an entry and the entries where a target did not answer.
  returned: always
  type: list
  elements: dict
  sample:
    - {host: sql01.example.com, port: 1434, proto: udp, probe: ssrp, entry: net.other.udp-1434-cml-db, expect: open, state: open,
       reason: app-response, rtt_ms: 0.8, attempts: 1, detail: "open (app-response) in 1 ms", icmp: null,
       app: {instances: [{instance_name: SAFEQ, tcp_port: 49703}]}, tls: null}
    - {host: dc01.example.com, port: 636, proto: tcp, probe: tls, entry: null, expect: open, state: open, reason: syn-ack, rtt_ms: 2.1,
       attempts: 1, detail: "open (syn-ack) in 2 ms", icmp: null, app: null,
       tls: {version: TLSv1.3, cipher: TLS_AES_256_GCM_SHA384, error: null, subject: CN=dc01.example.com, issuer: CN=Example CA,
             san_dns: [dc01.example.com], san_ip: [], not_before: "2026-01-01T00:00:00+00:00", not_after: "2027-01-01T00:00:00+00:00",
             days_left: 33, self_signed: false, name: dc01.example.com, name_matches: true, parse_error: null}}
    - {host: 198.18.0.2, port: 9100, proto: tcp, probe: none, entry: null, expect: open, state: filtered, reason: no-response,
       rtt_ms: 1000.4, attempts: 1, detail: "filtered (no answer: service down or blocked)", icmp: null, app: null, tls: null}
summary:
  description: Number of results per state (every result, whatever O(return_results) leaves out).
  returned: always
  type: dict
  sample: {open: 2, closed: 0, filtered: 1, open|filtered: 0, unknown: 0}
findings:
  description:
    - One finding per catalogue entry named in O(targets[].entry) (none for targets without an entry).
    - C(observed) lists the entry's flows grouped by outcome, one item per C(source), C(state), C(reason), C(listener) and
      C(verdict) (the flow's own status), with its C(targets) (C(HOST:PORT/PROTO)) and, in the same order, the C(addresses) they
      went to (C(null) where none is known). The report lists the same flows one by one.
  returned: always
  type: list
  elements: dict
  sample:
    - {id: net.other.udp-1434-cml-db, status: pass, reason: open, detail: "sql01.example.com:1434/udp open (app-response) in 1 ms",
       remediation: '', source: "Mandatory | UDP | 1434 | CML > DB | ...",
       observed: [{source: cml1, state: open, reason: app-response, listener: false, verdict: pass,
                   targets: ["sql01.example.com:1434/udp"], addresses: [10.0.0.5]}]}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.safeq.preflight.plugins.module_utils.ports import _port_check, _port_targets

ARGUMENT_SPEC = _port_targets.ARGUMENT_SPEC


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    try:
        result = _port_check.run_posix(module.params)
    except _port_targets.TargetError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=False, **result)


if __name__ == '__main__':
    main()
