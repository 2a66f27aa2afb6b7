# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: win_port_probe
short_description: Raw concurrent TCP and UDP exchanges from a Windows node for port_check and sql_browser_probe
version_added: 0.2.0
description:
  - The Windows socket engine of M(safeq.preflight.port_check) and M(safeq.preflight.sql_browser_probe), which build the
    probes (and the bytes they send), run this module in one WinRM command and classify the answers in Python with the
    same functions as on POSIX hosts. It decides nothing itself; use those modules in playbooks.
  - "Reads nothing on the node and changes nothing: it opens one socket per probe, all at once (C(TcpClient.ConnectAsync),
    or a C(UdpClient), connected unless O(probes[].connected=false), that sends O(probes[].payload) and waits for one
    datagram, resending it O(retries) times); on a connected TCP probe it optionally reads up to 64 bytes
    (O(probes[].read)), sends O(probes[].payload) and reads one length-framed answer (O(probes[].framing=tds): the
    8-byte TDS header's big-endian length, at most 8192 bytes, within one O(timeout_ms) for the whole answer however the
    server spaces its bytes; what arrived before a reset or the deadline is kept, and C(read_end) says how the read ended:
    C(complete), C(closed) by the server, C(timeout), or C(error) with the WinSock code in C(read_error), 10060 when the
    server stayed silent), or runs a
    TLS handshake (C(SslStream) offering TLS 1.0 to 1.2, and 1.3 on Windows Server 2022 / Windows 11 and later;
    certificate not validated) and returns the protocol the server chose and the raw certificate."
  - "A probe with O(probes[].port_from) runs after the others: its port is the first group of
    O(probes[].port_from.pattern), a .NET regular expression that Python builds, matched against the ISO-8859-1 text of
    the first answer among O(probes[].port_from.probes), culture-invariant with a 1-second match timeout; when no answer
    matches, the pattern does not compile or times out, or group 1 is missing or not a port 1-65535, its outcome is
    C(not-run) with the reason in C(message) (the other probes run as usual). This is how
    the SQL Server Browser's answer names the instance's TCP port for the TDS PRELOGIN exchange in the same command.
    Python parses the Browser's answer itself and refuses a port that differs from the one its parser finds."
  - Outcomes are raw C(connected), C(response), C(timeout), C(not-run) or C(error) with the WinSock error code (for
    example 10061 refused, 10054 ICMP port unreachable on UDP, 10060 timeout), and the port probed.
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
        description: Port (ignored with O(probes[].port_from)).
        type: int
        default: 0
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
      framing:
        description:
          - How the answer to O(probes[].payload) on a connected TCP probe is framed.
          - V(tds) sends the payload and reads one TDS packet (its header's length); V(none) sends nothing after connecting.
        type: str
        default: none
        choices: [none, tds]
      connected:
        description:
          - Connect the UDP socket (an ICMP port-unreachable then surfaces as WinSock 10054); V(false) sends with
            C(SendTo) and accepts an answer from any address (a clustered SQL Server may answer from another address).
        type: bool
        default: true
      port_from:
        description: Take the port from another probe's answer (second round).
        type: dict
        suboptions:
          probes:
            description: Probe IDs whose answers are read, the first answer that arrived decides.
            type: list
            elements: str
            required: true
          pattern:
            description: Regular expression whose first group is the port, matched against the answer as ISO-8859-1 text.
            type: str
            required: true
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

- name: SQL Browser (CLNT_UCAST_EX, base64 Aw==), then TDS PRELOGIN to the port it names (sql_browser_probe builds these)
  safeq.preflight.win_port_probe:
    timeout_ms: 2000
    deadline_ms: 10000
    probes:
      - {id: browser, proto: udp, host: db.example.com, port: 1434, payload: Aw==}
      - id: tds
        proto: tcp
        host: db.example.com
        framing: tds
        payload: EgEAKQAAAQAAABUABgEAGwABAgAcAAEDAB0ABP8JAAAAAAAAAAAAAAA=
        port_from: {probes: [browser], pattern: '(?i);InstanceName;SAFEQ;(?:(?!ServerName;)[^;]*;)*?tcp;([0-9]{1,5});'}
"""

RETURN = r"""
facts:
  description: The raw outcomes (JSON Schema in C(tests/lab/schemas/win_port_probe.schema.json)).
  returned: always
  type: dict
  sample:
    results:
      - {id: p0, outcome: error, socket_error: 10061, rtt_ms: 1.2, attempts: 1, address: null, port: 1433, response: '', tls: null,
         read_end: null, read_error: null, message: No connection could be made because the target machine actively refused it}
"""
