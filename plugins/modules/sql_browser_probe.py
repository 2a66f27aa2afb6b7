#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: sql_browser_probe
short_description: Probe the SQL Server Browser (UDP 1434) and the instance's TDS port of the external SafeQ database
version_added: 0.1.0
description:
  - Asks the SQL Server Browser for its instances with C(CLNT_UCAST_EX) (MC-SQLR), matches O(instance) case-insensitively, and
    sends a TDS PRELOGIN to the instance's dynamic TCP port. PRELOGIN carries no credentials and no LOGIN7 follows, so the
    probe causes no failed-login audit events.
  - Closed (ICMP port unreachable, seen on a connected UDP socket), filtered and silent are told apart; on silence the
    Browser is asked once more from an unconnected socket, since a clustered server may answer from another address.
  - "Evaluates the catalogue rows V(net.other.udp-1434-cml-db) (Browser reachable) and V(net.other.tcp-dynamic-cml-db)
    (instance found, TCP/IP enabled, port reachable, speaks TDS, version at least O(min_version))."
  - Runs from the controller or a delegated POSIX host in Python; on a Windows node (winrm, psrp) the action plugin runs the
    node's socket engine M(safeq.preflight.win_port_probe) once (one WinRM command), which performs the UDP/TCP exchanges
    with bytes given by Python and returns raw bytes; the TDS exchange runs on the port the Browser's answer names (found
    on the node with a pattern Python builds, and refused unless Python's own parser finds the same port).
    Python parses and decides, with the same functions as on POSIX hosts.
  - "A TDS port that accepts the connection but sends nothing back to PRELOGIN within O(timeout) fails
    (C(no-prelogin-reply): a hung service, or a load balancer or SYN proxy with no live server behind it); one that closes
    or resets it at once warns (C(possibly-strict-tds8)): a strict TDS 8.0 server expects TLS first."
  - "Measured for the CML -> DB flow: run it on the node. Delegated to another host (the controller with
    C(safeq_db_probe_from=controller)), every finding names that host (C(measured_from) and its detail) and a pass is
    capped at V(warn) (C(probed-from-controller), or C(probed-off-node) for another host)."
  - Read-only; identical under C(--check).
options:
  host:
    description: Name or address of the database server.
    type: str
    required: true
  instance:
    description: Instance name (compared case-insensitively); the default instance C(MSSQLSERVER) when omitted.
    type: str
  timeout:
    description: Seconds to wait for each answer (the Browser, the retry, the TCP exchange).
    type: float
    default: 2
  prelogin:
    description: Send a TDS PRELOGIN to the instance port; V(false) only tests that the port accepts connections.
    type: bool
    default: true
  dac:
    description: Also ask for the dedicated administrator connection port (C(CLNT_UCAST_DAC)).
    type: bool
    default: false
  query_instance:
    description:
      - Also ask the Browser for the matched instance alone (C(CLNT_UCAST_INST)) and report in RV(instance_confirmed) whether
        it answers with the same TCP port. Never sent first, because the Browser stays silent for an unknown instance.
    type: bool
    default: false
  min_version:
    description: Lowest acceptable SQL Server version (dotted, for example C(13.0) for SQL Server 2016).
    type: str
  browser_port:
    description: UDP port of the Browser (1434 on every real server; for labs).
    type: int
    default: 1434
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - safeq.preflight.attributes
  - safeq.preflight.attributes.posix_and_windows
notes:
  - The UDP 1434 query trips some IDS signatures (Snort SID 2049 "MS-SQL ping attempt"); tell the security team before a run.
  - On Windows nodes the socket exchanges need PowerShell FullLanguage mode (.NET sockets are not available in Constrained
    Language Mode).
seealso:
  - module: safeq.preflight.port_check
author:
  - safeq.preflight contributors (@safeq-preflight)
"""

EXAMPLES = r"""
- name: Probe the external database from every CML node (runs on the node over WinRM)
  safeq.preflight.sql_browser_probe:
    host: sql01.example.com
    instance: SAFEQ
    min_version: "13.0"
  register: sql

- name: Probe it from the controller instead
  safeq.preflight.sql_browser_probe:
    host: sql01.example.com
    instance: SAFEQ
    dac: true
  delegate_to: localhost
"""

RETURN = r"""
browser:
  description: What the SQL Server Browser did.
  returned: always
  type: dict
  sample: {state: open, reason: response, rtt_ms: 1.2, responder: "198.18.2.2:1434", notes: [], parse_error: null}
instances:
  description: Every instance the Browser listed.
  returned: always
  type: list
  elements: dict
  sample:
    - {server_name: SQL01, instance_name: SAFEQ, is_clustered: false, version: 15.0.2000.5, tcp_port: 49703,
       named_pipe: '\\SQL01\pipe\MSSQL$SAFEQ\sql\query', other_transports: {}, unknown_keys: {}}
instance:
  description: The instance that matched O(instance), or null.
  returned: always
  type: dict
  sample: {server_name: SQL01, instance_name: SAFEQ, is_clustered: false, version: 15.0.2000.5, tcp_port: 49703}
instance_confirmed:
  description: With O(query_instance=true), whether CLNT_UCAST_INST confirmed the instance and its port; null otherwise.
  returned: always
  type: bool
  sample: true
dac_port:
  description: The DAC port when O(dac=true) and the Browser answered it.
  returned: always
  type: int
  sample: 1434
tds:
  description: The TCP exchange with the instance port.
  returned: when the instance has a TCP port
  type: dict
  sample: {state: open, port: 49703, version: 15.0.2000, product: SQL Server 2019, encryption: off, error: null}
probed_from:
  description: The host the exchanges ran from (the delegated host, else the task's host).
  returned: when the probe ran
  type: str
  sample: cml1
findings:
  description: Findings for V(net.other.udp-1434-cml-db) and V(net.other.tcp-dynamic-cml-db).
  returned: always
  type: list
  elements: dict
  sample:
    - {id: net.other.udp-1434-cml-db, status: pass, reason: browser-answered, detail: "The SQL Server Browser on sql01 UDP 1434 lists: SAFEQ (15.0.2000.5).",
       remediation: '', source: "Mandatory | UDP | 1434 | CML > DB | ..."}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.safeq.preflight.plugins.module_utils.mssql import _sql_probe

ARGUMENT_SPEC = _sql_probe.ARGUMENT_SPEC


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params  # the values were checked by the action plugin (plugins/plugin_utils/_option_rules.py)
    try:
        address = _sql_probe.resolve(params['host'])
    except ValueError as exc:
        module.fail_json(msg=str(exc))
    obs = _sql_probe.run_probe(_sql_probe.posix_exchange, address, params['instance'], params['timeout'], params['prelogin'], params['dac'],
                               params['browser_port'], params['query_instance'])
    obs['host'] = params['host']
    result = _sql_probe.summarise(obs)
    result['findings'] = _sql_probe.evaluate(obs, params['min_version'])
    module.exit_json(changed=False, **result)


if __name__ == '__main__':
    main()
