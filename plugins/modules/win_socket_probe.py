# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: win_socket_probe
short_description: Raw UDP and TCP exchanges from a Windows node for M(safeq.preflight.sql_browser_probe)
version_added: 0.2.0
description:
  - The Windows engine of M(safeq.preflight.sql_browser_probe), which builds the SQL Server Browser and TDS PRELOGIN
    requests, runs this module and parses the answers in Python. It decides nothing itself.
  - "Reads nothing on the node and changes nothing: for each probe, one after the other, it sends O(probes[].payload)
    over UDP (connected unless O(probes[].connected=false)) and receives one datagram, or connects over TCP, sends the
    payload and reads one answer of up to 8,192 bytes, each within O(probes[].timeout_ms)."
options:
  probes:
    description: The exchanges, run in order.
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
      timeout_ms:
        description: Milliseconds to wait for the connection and the answer.
        type: int
        required: true
      connected:
        description: Connect the UDP socket, so that an ICMP port unreachable surfaces as WinSock error 10054.
        type: bool
        default: true
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - safeq.preflight.attributes
  - safeq.preflight.attributes.windows
notes:
  - Needs PowerShell FullLanguage mode (.NET sockets).
seealso:
  - module: safeq.preflight.sql_browser_probe
author:
  - safeq.preflight contributors (@safeq-preflight)
"""

EXAMPLES = r"""
- name: One SQL Server Browser request (CLNT_UCAST_EX), raw answer only
  safeq.preflight.win_socket_probe:
    probes:
      - {id: browser, proto: udp, host: db.example.com, port: 1434, payload: Aw==, timeout_ms: 2000}
"""

RETURN = r"""
facts:
  description: The raw exchanges (JSON Schema in C(tests/lab/schemas/win_socket_probe.schema.json)).
  returned: always
  type: dict
  sample:
    results:
      - {id: browser, outcome: response, socket_error: null, rtt_ms: 0.8, response: BQ4A..., remote: 198.18.0.20:1434, message: ''}
"""
