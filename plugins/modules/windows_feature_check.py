# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: windows_feature_check
short_description: Check Windows features, services, listeners and installed software of a SafeQ CML node
version_added: 0.1.0
description:
  - Runs the read-only PowerShell gather module M(safeq.preflight.win_feature_facts) on the Windows node over the task's
    own connection (winrm or psrp), through Ansible's exec wrapper, so C(become) and C(async) apply. The module reads the
    install state of the C(Web-Server), C(Print-Server) and C(Print-LPD-Service) features and of those in O(present) and
    O(absent) (ServerManager on a server SKU; the matching optional features, for example C(IIS-WebServerRole) or
    C(NetFx3), on a client SKU), web-server and LPD services, the TCP listeners on 80, 443 and 515, and the installed
    programs, who holds the inbound ports SafeQ will need on this node (from the catalogue's port tables for
    O(site_features) and O(server_role), port-range rows port by port), and the excluded port ranges of Windows
    (C(netsh ... show excludedportrange), numeric rows only; a SafeQ port inside a range that Hyper-V, WinNAT or Docker
    reserved fails, inside an administered one warns); every verdict is made in Python.
  - "Evaluates these catalogue entries: V(server.no-web-server-port-80), V(server.no-lpd-with-print-server),
    V(server.no-interfering-software), V(server.no-other-software) and V(server.required-features)."
  - Behaves identically under C(--check) and never reports a change.
options:
  allowed_software:
    description:
      - Programs agreed with Y Soft (checklist line "No other software shall be installed, except as agreed by YSOFT"), as
        case-insensitive fnmatch patterns matched against the programs' display names. Windows baseline software is
        always allowed; it is a short list of specific components (updates, Windows Management Framework, Visual C++ and
        .NET runtimes, Edge, Defender for Endpoint, PowerShell 7, hypervisor guest agents, Y Soft's own; C(DEFAULT_BASELINE)
        in C(plugins/plugin_utils/windows/_feature_eval.py)), never every Microsoft product (SQL Server, Exchange, Reporting
        Services, System Center, Visual Studio or a .NET SDK must be agreed here).
    type: list
    elements: str
    default: []
  conflicting_software:
    description:
      - Patterns (case-insensitive fnmatch) added to the maintained list of other print-management products (PaperCut,
        Equitrac, uniFLOW, MyQ, Pharos, PrinterLogic, Printix, ThinPrint, ...), matched against installed programs (both
        HKLM uninstall views and every loaded user hive) and service display names. A match fails
        V(server.no-interfering-software) unless O(allowed_software) agrees it.
    type: list
    elements: str
    default: []
  database_software:
    description:
      - Patterns added to the maintained list of database servers (SQL Server engines, PostgreSQL, MySQL, MariaDB,
        Oracle, Firebird; SQL client components such as Native Client or ODBC drivers are not servers). A match is a
        V(warn) (it may be meant for SafeQ) unless O(allowed_software) agrees it.
    type: list
    elements: str
    default: []
  present:
    description:
      - Windows features (ServerManager names, case-insensitive) that must be installed, for the checklist line
        "Following features has to be installed and available" (V(server.required-features)), which does not name them;
        list here those YSoft requires for the SafeQ version being installed. A missing one fails
        V(server.required-features) with its install state (C(Available), C(Removed), C(InstallPending)).
      - Empty (the default), V(server.required-features) is V(manual) (attest it after confirming the features by hand).
      - Only names the collection knows are accepted (C(KNOWN_FEATURES) in C(plugins/plugin_utils/windows/_feature_eval.py), each
        with its client optional-feature name); an unknown name is refused before any node is contacted.
    type: list
    elements: str
    default: []
  absent:
    description:
      - Windows features (ServerManager names) that must not be installed, in addition to the checklist's own rules
        (C(InstallPending) and C(UninstallPending) count as installed until the reboot). A listed name fails
        V(server.no-interfering-software) when installed.
      - The checklist's own rules are always evaluated in their own entries, whether listed here or not (V(Web-Server) in
        V(server.no-web-server-port-80) (a warning when nothing listens on TCP 80) and V(Print-LPD-Service) in
        V(server.no-lpd-with-print-server)). Their C(UninstallPending) is a warning there (removal pending a reboot).
      - Unknown names are refused as for O(present).
    type: list
    elements: str
    default: []
  site_features:
    description:
      - The SafeQ features the site uses (C(safeq_features), the catalogue's vocabulary). With O(server_role) they give
        the inbound ports SafeQ will listen on here; each must be free, or V(server.no-interfering-software) fails and
        names the process and services (for PID 4, the http.sys URL reservations and bindings) that hold it.
      - TCP 389 held on a domain controller is a warning (SafeQ moves its internal LDAP to TCP 390); TCP 80 is
        V(server.no-web-server-port-80)'s.
    type: list
    elements: str
    default: []
  server_role:
    description: Server role of this node.
    type: str
    choices: [cml, ors, crs]
    default: cml
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - safeq.preflight.attributes
  - safeq.preflight.attributes.windows
notes:
  - A web server that is installed but does not listen on TCP 80 is a V(warn), as the checklist allows it; a listener on
    TCP 80 is a V(fail).
  - A database server is a V(warn) (it may be intended for SafeQ); another print-management product is a V(fail).
seealso:
  - module: safeq.preflight.server_check
author:
  - safeq.preflight contributors (@safeq-preflight)
"""

EXAMPLES = r"""
- name: Check features, services and installed software
  safeq.preflight.windows_feature_check:
    allowed_software:
      - 7-Zip*
      - Notepad++*
    absent: [FS-SMB1]
  register: features
"""

RETURN = r"""
findings:
  description: One finding per evaluated catalogue entry (same shape as in M(safeq.preflight.server_check)).
  returned: always
  type: list
  elements: dict
  sample:
    - id: server.no-web-server-port-80
      status: fail
      reason: port-80-in-use
      detail: "TCP 80 is in use: System (pid 4) on 0.0.0.0."
      remediation: Remove the web server or move it off TCP 80 before installing SafeQ.
      source: No Web server may be installed on the computer. (If installed, it must not listen on TCP port 80).
facts:
  description: The raw facts the node reported (schema in C(tests/lab/schemas/win_feature_facts.schema.json)).
  returned: when the probe ran
  type: dict
  sample:
    features: [{name: Web-Server, install_state: Available}]
    services: []
    listeners: [{port: 80, address: 0.0.0.0, pid: 4, process: System}]
    software: [{name: 7-Zip 24.08 (x64), version: '24.08', publisher: Igor Pavlov}]
    errors: {}
"""
