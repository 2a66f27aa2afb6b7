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
  - "What it does on the node, in its own PowerShell process and nothing else: for each entry of O(ports) it binds a socket
    to O(bind_address) with exclusive address use (C(TcpListener.Start) for TCP, a bound C(UdpClient) for UDP). A port
    already in use is never shared or taken over: the entry is reported as V(conflict) with the process that holds it
    (C(Get-NetTCPConnection) / C(Get-NetUDPEndpoint) and C(Get-Process); PID 4 is the kernel, usually http.sys)."
  - Until O(duration_s) seconds have passed it accepts each TCP connection and closes it at once (the handshake is the
    proof), and sends every UDP datagram back to its sender. Then it closes every socket and returns.
  - It writes no file and creates no service, scheduled task, registry value or firewall rule; its sockets exist only while
    its process runs. Run it with C(async) and C(poll=0) (see the example); Ansible's async wrapper starts it outside the
    job object of the WinRM shell (which would otherwise kill it when the task's shell closes), and the module's own timer
    ends it, also when the controller dies or the connection drops. C(async) must be longer than O(duration_s), so that
    the async watchdog is only a second bound.
  - Identical under C(--check) (it changes nothing lasting) and always reports C(changed=false).
  - Windows Firewall judges a listener by its port and by its program. Under the C(winrm) connection the sockets belong to
    C(powershell.exe); under C(psrp) to the WinRM host process C(wsmprovhost.exe). An allow rule scoped to SafeQ's own
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
  bind_address:
    description: Local address to bind; V(0.0.0.0) every IPv4 address of the node.
    type: str
    default: 0.0.0.0
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - safeq.preflight.attributes
  - safeq.preflight.attributes.windows
notes:
  - Needs PowerShell FullLanguage mode (.NET sockets). Binding ports below 1024 needs no privilege on Windows.
  - Without async the listeners die with the task's WinRM shell, so they are useless to probes from other hosts.
  - With C(async) and C(poll=0) the result (which ports were bound) is written to the async results file when the module ends;
    run it once with O(duration_s=0) first to see conflicts at once.
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

- name: Hold them for five minutes while the other hosts probe (ends by itself)
  safeq.preflight.win_port_listener:
    ports: "{{ 'cml' | safeq.preflight.listener_ports(features=safeq_features) }}"
    duration_s: 300
  async: 360
  poll: 0
"""

RETURN = r"""
facts:
  description: What the module bound and served.
  returned: always
  type: dict
  contains:
    ports:
      description: One entry per requested port. C(state) is V(bound), V(conflict) (in use or reserved; C(holder) names the process)
        or V(error) (another WinSock error, in C(socket_error)).
      type: list
      elements: dict
      sample:
        - {port: 8080, proto: tcp, state: bound, socket_error: null, holder: null, message: ''}
        - {port: 80, proto: tcp, state: conflict, socket_error: 10048, message: Only one usage of each socket address is normally permitted,
           holder: {pid: 4, name: System (http.sys or another kernel listener), address: '::', lookup_error: null}}
    bind_address:
      description: The address bound.
      type: str
      sample: 0.0.0.0
    duration_s:
      description: Seconds the sockets were held.
      type: int
      sample: 300
    process:
      description: The process that held the sockets (the program Windows Firewall judged).
      type: dict
      sample: {pid: 4242, path: 'C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe'}
    served:
      description: TCP connections accepted and UDP datagrams echoed while the sockets were open.
      type: dict
      sample: {tcp_accepted: 12, udp_echoed: 2}
"""
