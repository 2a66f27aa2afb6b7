# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: win_port_listener
short_description: Temporary TCP listeners and UDP echo responders on a Windows node, so that the port tables can be proved before installation
version_added: 0.3.0
description:
  - Before SafeQ is installed nothing listens on its ports, and Windows Firewall drops traffic to a port without a listener
    (stealth mode), so a probe from another host cannot tell "allowed, nothing listening" from "blocked". This module puts a
    listener on each port for a bounded time; M(safeq.preflight.port_check) then probes the flows with O(ports) in place.
  - "With O(duration_s=0) it binds each entry of O(ports) in its own PowerShell process to O(bind_address) with exclusive
    address use (C(TcpListener.Start) for TCP, a bound C(UdpClient) for UDP), reports and closes at once: a conflict check.
    A port already in use is never shared or taken over: the entry is reported as V(conflict) with the process that holds it
    (C(Get-NetTCPConnection) / C(Get-NetUDPEndpoint) and C(Get-Process); PID 4 is the kernel, usually http.sys)."
  - "Otherwise the listener runs in a C(powershell.exe) of its own, started with C(Win32_Process.Create): its parent is the WMI
    provider host, so it is outside the job object of the WinRM shell (which kills what a task starts when the task's shell
    closes) and outlives the task. That process binds the ports as above and reports its binds to the module over a named
    pipe (a random name, open to the module's account only); the module returns once they are reported, so every port it
    reports V(listening) is bound and listening when the task ends. No report within O(ready_timeout_s): the process is
    stopped (where Windows refuses, C(start_error) says so and it ends by its own timer) and every port is V(not-ready)."
  - Until O(duration_s) seconds have passed that process accepts each TCP connection and closes it (the handshake is the
    proof), and sends every UDP datagram back to its sender. Then it closes every socket and exits, by its own timer, also
    when the controller dies or the connection drops.
  - It writes no file and creates no service, scheduled task, registry value or firewall rule; its sockets exist only while
    its process runs. No C(async) is needed (nor useful).
  - Identical under C(--check) (it changes nothing lasting) and always reports C(changed=false).
  - Windows Firewall judges a listener by its port and by its program. The listening process is C(powershell.exe) (from
    C($PSHOME), so the 32-bit one where the module runs 32-bit); with O(duration_s=0) the sockets belong to the module's own
    process, which is C(wsmprovhost.exe) under the C(psrp) connection. An allow rule scoped to SafeQ's own
    programs (C(-Program)) does not admit these listeners, so a flow that fails with the listener in place may still work
    for SafeQ; such a rule is named in the finding's remediation; see docs/network-matrix.md.
options:
  ports:
    description: Ports to listen on; usually C(safeq.preflight.listener_ports) of the node's server role.
    type: list
    elements: dict
    required: true
    suboptions:
      port:
        description: Port number, 1-65535.
        type: int
        required: true
      proto:
        description: V(tcp) a listener; V(udp) an echo responder.
        type: str
        choices: [tcp, udp]
        default: tcp
  duration_s:
    description: Seconds the sockets stay open (0-3600). V(0) binds, reports and closes at once (a conflict check).
    type: int
    default: 300
  ready_timeout_s:
    description: Seconds (1-600) to wait for the listener process to report its binds (C(powershell.exe) starting on a busy
      server can take several); without a report by then it is stopped and every port is V(not-ready).
    type: int
    default: 30
  bind_address:
    description: Local address to bind; V(0.0.0.0) every IPv4 address of the node.
    type: str
    default: 0.0.0.0
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - safeq.preflight.attributes
  - safeq.preflight.attributes.windows
notes:
  - Needs PowerShell FullLanguage mode (.NET sockets and named pipes) and WMI (C(Win32_Process.Create)), which a locked-down
    node may refuse (AppLocker or WDAC in enforced mode, the Defender attack surface reduction rule that blocks process
    creations from WMI, an EDR); the ports are then V(not-ready) with the reason in C(start_error).
    Binding ports below 1024 needs no privilege on Windows.
  - Not confirmed on a real Windows host here (the tests run it on simulated nodes, docs/simulated-nodes.md).
seealso:
  - module: safeq.preflight.port_check
author:
  - safeq.preflight contributors (@safeq-preflight)
"""

EXAMPLES = r"""
- name: Which inbound ports of this CML node are free (bind, report, close)
  safeq.preflight.win_port_listener:
    ports: "{{ 'cml' | safeq.preflight.listener_ports(features=safeq_features) }}"
    duration_s: 0
  register: listener_conflicts

- name: Hold them for five minutes while the other hosts probe (the listener ends by itself)
  safeq.preflight.win_port_listener:
    ports: "{{ 'cml' | safeq.preflight.listener_ports(features=safeq_features) }}"
    duration_s: 300
  register: listener
"""

RETURN = r"""
facts:
  description: What the module bound, and the process that listens.
  returned: always
  type: dict
  contains:
    ports:
      description: One entry per requested port. C(state) is V(listening) (the listener process bound it and listens), V(bound)
        (with O(duration_s=0), it could be bound and was closed), V(conflict) (in use or reserved; C(holder) names the process),
        V(error) (another WinSock error, in C(socket_error)) or V(not-ready) (no report from the listener process; C(message) says why).
      type: list
      elements: dict
      sample:
        - {port: 8080, proto: tcp, state: listening, socket_error: null, holder: null, message: ''}
        - {port: 80, proto: tcp, state: conflict, socket_error: 10048, message: Only one usage of each socket address is normally permitted,
           holder: {pid: 4, name: System (http.sys or another kernel listener), address: '::', lookup_error: null}}
    bind_address:
      description: The address bound.
      type: str
      sample: 0.0.0.0
    duration_s:
      description: Seconds the sockets are held.
      type: int
      sample: 300
    process:
      description: The process that holds the sockets (the program Windows Firewall judges); C(pid) is null when it could not be started.
      type: dict
      sample: {pid: 4242, path: 'C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe'}
    start_error:
      description: Why the listener process reported nothing (not started, stopped after O(ready_timeout_s), failed); null otherwise.
      type: str
      sample: null
"""
