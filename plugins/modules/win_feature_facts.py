# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: win_feature_facts
short_description: Gather the Windows features, services, listeners and programs that M(safeq.preflight.windows_feature_check) evaluates
version_added: 0.2.0
description:
  - The Windows gather of M(safeq.preflight.windows_feature_check), which runs it and evaluates its facts in Python. It
    decides nothing itself; use M(safeq.preflight.windows_feature_check) in playbooks.
  - "Reads, and changes nothing: C(Get-Command Get-WindowsFeature) (is ServerManager there?); on Windows Server
    C(Get-WindowsFeature) C(Name) and C(InstallState) of O(features); on a client SKU (no ServerManager)
    C(Get-WindowsOptionalFeature -Online) C(FeatureName) and C(State) of O(optional_features) (needs an elevated token);
    C(Get-Service) C(Name), C(DisplayName), C(Status)
    and C(StartType) of O(services) (wildcards allowed) and of the services whose display names match
    O(service_display_names); C(Get-NetTCPConnection -State Listen) rows on O(ports) and C(Get-NetUDPEndpoint)
    rows on O(udp_ports), each with the owning process ID, its C(Get-Process) name and the C(Win32_Service) C(Name)s whose
    C(ProcessId) it is; the value names of C(HKLM\\SYSTEM\\CurrentControlSet\\Services\\HTTP\\Parameters\\UrlAclInfo)
    (http.sys URL reservations) and the subkey names of C(...\\HTTP\\Parameters\\SslBindingInfo) (TLS bindings);
    the numeric rows (start port, end port, C(*) for administered) of C(netsh interface ipv4 show excludedportrange
    protocol=tcp), the same for C(protocol=udp) and for C(ipv6) (the headings are localised and not read);
    the two numbers (start port, number of ports) of C(netsh interface ipv4 show dynamicportrange protocol=tcp), the
    same for C(protocol=udp) and for C(ipv6): the dynamic (ephemeral) port ranges, as C(dynamic_port_ranges);
    C(Win32_ComputerSystem) C(DomainRole); and C(DisplayName), C(DisplayVersion) and C(Publisher) of every
    C(HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall) subkey without C(SystemComponent), in the 64-bit
    and the 32-bit (WOW6432Node) registry views, and of the same key in every loaded user hive C(HKU\\S-1-5-21-*)."
  - Only "nothing matched" errors (category C(ObjectNotFound)) mean empty; any other error (access denied, a provider
    failure) fails its section, so that it is never taken for "nothing found". A failed section is V(null) with its
    reasons in C(facts.errors) and C(facts.error_details).
options:
  features:
    description: Names of Windows Server (ServerManager) features to read on a server SKU.
    type: list
    elements: str
    default: []
  optional_features:
    description: Names of Windows optional features to read on a client SKU (where ServerManager does not exist).
    type: list
    elements: str
    default: []
  services:
    description: Service names to read (wildcards allowed).
    type: list
    elements: str
    default: []
  service_display_names:
    description: Service display names to read as well (C(Get-Service -DisplayName), wildcards allowed).
    type: list
    elements: str
    default: []
  ports:
    description: TCP ports whose listeners to report.
    type: list
    elements: int
    default: []
  udp_ports:
    description: UDP ports whose endpoints to report.
    type: list
    elements: int
    default: []
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - safeq.preflight.attributes
  - safeq.preflight.attributes.windows
notes:
  - Windows PowerShell 5.1 or later.
seealso:
  - module: safeq.preflight.windows_feature_check
author:
  - safeq.preflight contributors (@safeq-preflight)
"""

EXAMPLES = r"""
- name: Show what a node reports (no verdicts)
  safeq.preflight.win_feature_facts:
    features: [Web-Server, Print-Server, Print-LPD-Service]
    services: [W3SVC, LPDSVC]
    ports: [80, 515]
"""

RETURN = r"""
facts:
  description: The raw facts (JSON Schema in C(tests/lab/schemas/win_feature_facts.schema.json)).
  returned: always
  type: dict
  sample:
    features: [{name: Web-Server, install_state: Available, source: ServerManager}]
    services: []
    listeners: [{proto: tcp, port: 80, address: 0.0.0.0, pid: 4, process: System, services: []}]
    dynamic_port_ranges: [{family: ipv4, proto: tcp, start: 49152, count: 16384}]
    http_sys: {url_reservations: ['http://+:5985/wsman/'], ssl_bindings: ['0.0.0.0:443']}
    domain_role: 3
    software: [{name: Google Chrome, version: 142.0.7444.176, publisher: Google LLC, view: Registry64}]
    errors: {}
    error_details: {}
"""
