# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: win_port_probe
short_description: Raw concurrent TCP and UDP exchanges from a Windows node for M(safeq.preflight.port_check)
version_added: 0.2.0
description:
  - The Windows engine of M(safeq.preflight.port_check), which builds the probes, runs this module and classifies the
    outcomes in Python. It decides nothing itself; use M(safeq.preflight.port_check) in playbooks.
  - "Reads nothing on the node and changes nothing: it opens one socket per probe, all at once (C(TcpClient.ConnectAsync),
    or a connected C(UdpClient) that sends O(probes[].payload) and waits for an answer, resending it O(retries) times);
    on a connected TCP probe it optionally reads up to 64 bytes (O(probes[].read)) or runs a TLS handshake
    (C(SslStream) offering TLS 1.0 to 1.2, and 1.3 on Windows Server 2022 / Windows 11 and later; certificate not
    validated) and returns the protocol the server chose and the raw certificate."
  - Outcomes are raw C(connected), C(response), C(timeout) or C(error) with the WinSock error code (for example 10061
    refused, 10054 ICMP port unreachable on UDP, 10060 timeout).
options:
  timeout_ms:
    description: Milliseconds to wait in each round.
    type: int
    required: true
  retries:
    description: Extra datagrams sent to a silent UDP port.
    type: int
    default: 0
  deadline_ms:
    description: No UDP resend after this many milliseconds.
    type: int
    required: true
  probes:
    description: The probes.
    type: list
    elements: dict
    required: true
    suboptions:
      id:
        description: Identifier echoed in the result.
        type: str
        required: true
      proto:
        description: Transport.
        type: str
        required: true
        choices: [tcp, udp]
      host:
        description: Name or address.
        type: str
        required: true
      port:
        description: Port.
        type: int
        required: true
      payload:
        description: Bytes to send (base64).
        type: str
        default: ''
      tls:
        description: Run a TLS handshake on a connected TCP probe.
        type: bool
        default: false
      server_name:
        description: SNI name of the TLS handshake.
        type: str
      read:
        description: Read the first bytes the server sends on a connected TCP probe.
        type: bool
        default: false
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - safeq.preflight.attributes
  - safeq.preflight.attributes.windows
notes:
  - Needs PowerShell FullLanguage mode (.NET sockets).
seealso:
  - module: safeq.preflight.port_check
author:
  - safeq.preflight contributors (@safeq-preflight)
"""

EXAMPLES = r"""
- name: Raw outcome of one TCP connect (port_check classifies it)
  safeq.preflight.win_port_probe:
    timeout_ms: 2000
    deadline_ms: 10000
    probes:
      - {id: p0, proto: tcp, host: db.example.com, port: 1433}
"""

RETURN = r"""
facts:
  description: The raw outcomes (JSON Schema in C(tests/lab/schemas/win_port_probe.schema.json)).
  returned: always
  type: dict
  sample:
    results:
      - {id: p0, outcome: error, socket_error: 10061, rtt_ms: 1.2, attempts: 1, address: null, response: '', tls: null,
         message: No connection could be made because the target machine actively refused it}
"""
