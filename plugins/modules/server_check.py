# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: server_check
short_description: Check a Windows node against the server part of the SafeQ CML pre-installation checklist
version_added: 0.1.0
description:
  - Runs the read-only PowerShell gather module M(safeq.preflight.win_server_facts) on the Windows node over the task's
    own connection (winrm or psrp), through Ansible's exec wrapper, so C(become) (for example runas with the installing
    account, to read O(share) over the second hop) and C(async) apply. The module only gathers raw facts; every verdict is
    made in Python on the controller (hotfix dates are parsed there, whatever the node's locale).
  - "Evaluates these catalogue entries: V(server.admin-rights), V(server.supported-platform),
    V(server.windows-installer-45), V(server.web-browser), V(server.security-patches), V(server.hardware-minimum),
    V(server.ip-addresses-prepared), V(server.antivirus) and, when O(share) is given, V(server.shared-folder)."
  - Behaves identically under C(--check) and never reports a change.
  - The thresholds have defaults that are site policy, not SafeQ figures (the public SafeQ documentation gives no
    numbers); set them to the values of the SafeQ Hardware requirements page that applies to your version.
options:
  share:
    description:
      - UNC path of the dedicated installation folder (checklist line "Dedicated shared folder accessible from all
        SafeQ CML nodes"). When omitted, V(server.shared-folder) is not evaluated.
      - Over WinRM with Basic or NTLM authentication the session has no network credentials (the second hop), so an
        C(access denied) answer is reported as V(error), not as a failure.
    type: str
  declared_address:
    description:
      - The planned (static) IP address of this node. When given, V(server.ip-addresses-prepared) fails if no adapter
        carries it. The same finding checks forward and reverse DNS of the node's FQDN (warnings).
    type: str
  min_os_build:
    description: Lowest Windows build accepted (9600 is Windows Server 2012 R2).
    type: int
    default: 9600
  supported_builds:
    description:
      - Windows builds accepted, site policy (the public SafeQ pages list no versions). 9600 is Server 2012 R2, 14393
        2016, 17763 2019, 20348 2022, 26100 2025.
      - A build below the newest listed one but not in the list (a Semi-Annual Channel release such as 18363) fails
        with C(build-not-listed); a build newer than all listed ones is a warning (C(os-unverified)).
    type: list
    elements: int
    default: [9600, 14393, 17763, 20348, 26100]
  supported_editions:
    description:
      - Windows C(EditionID) values accepted (registry, not localised). An evaluation edition of a listed one
        (C(ServerStandardEval)) is a warning, as it expires; any other edition (Essentials C(ServerSolution), ...) fails.
    type: list
    elements: str
    default: [ServerStandard, ServerDatacenter]
  allow_server_core:
    description:
      - Accept a Server Core installation (registry C(InstallationType) C(Server Core)) without a warning. By default it
        is a warning, as the SafeQ installer and the web browser the checklist requires need Desktop Experience.
    type: bool
    default: false
  browser_min_versions:
    description:
      - Minimum versions per browser (keys C(edge), C(chrome), C(firefox), C(ie); values dotted versions), site policy, as
        the latest version cannot be known offline. Unknown keys or malformed versions are refused.
      - V(server.web-browser) passes when a browser other than Internet Explorer meets its minimum (or none is set),
        warns when another one is below it or when the only current browser is installed per user, and fails when
        none meets it. The finding names every browser, version and where it is installed.
    type: dict
    default: {}
  allow_client_os:
    description: Accept a client edition of Windows (for labs only).
    type: bool
    default: false
  min_logical_processors:
    description: Minimum number of logical processors.
    type: int
    default: 4
  min_memory_gb:
    description: Minimum physical memory in GiB.
    type: float
    default: 8
  min_disk_free_gb:
    description: Minimum free space in GiB on the drive of O(install_dir).
    type: float
    default: 20
  patch_max_age_days:
    description: The newest installed update must be at most this many days old.
    type: int
    default: 60
  install_dir:
    description: Folder SafeQ will be installed to; real-time antivirus scanning should exclude it.
    type: str
    default: C:\SafeQ5
  clock_max_offset_s:
    description:
      - Advisory clock check (cluster nodes and TLS need sane clocks), reported as a second finding of
        V(server.hardware-minimum) (the entry of "all nodes of the clusters"), reason C(clock-offset) or C(clock-in-sync).
      - The node's clock (UTC, from the gather) is compared with the controller's time before and after the gather; it
        warns only when the node is more than this many seconds ahead or behind for every moment of that window.
    type: int
    default: 60
  windows_update_search:
    description:
      - Also ask the Windows Update Agent on the node (the C(Microsoft.Update.Session) searcher, criteria
        C(IsInstalled=0 and Type='Software')) for updates that are not installed, against the node's own update
        service (WSUS or Microsoft Update). Search only, nothing is downloaded or installed.
      - Slow (often minutes), hence off by default. Its finding is a second finding of V(server.security-patches),
        V(fail) C(security-updates-missing) for a missing update in the Security or Critical Updates classification or
        with an MSRC severity; V(error) C(update-search-failed) when the node is offline, WSUS is unreachable, the search
        times out or does not fully succeed, or the Windows Update API refuses the WinRM network logon (use C(become)).
        On a node that takes its updates from WSUS (policy C(UseWUServer) 1), nothing missing is V(warn)
        C(update-search-wsus), never V(pass), because only the updates approved on that WSUS server were searched.
    type: bool
    default: false
  windows_update_timeout:
    description: Seconds the Windows Update search may take before the node aborts its search job (V(error), never V(pass)).
    type: int
    default: 300
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - safeq.preflight.attributes
  - safeq.preflight.attributes.windows
notes:
  - The gather module runs on Windows PowerShell 5.1 and later. Only Ansible's bootstrap travels on the command line; the
    module and its arguments travel on stdin.
  - A connection failure is retried once; after that the host is reported as unreachable.
seealso:
  - module: safeq.preflight.windows_feature_check
  - module: safeq.preflight.preflight_report
author:
  - safeq.preflight contributors (@safeq-preflight)
"""

EXAMPLES = r"""
- name: Check the CML node against the server checklist
  safeq.preflight.server_check:
    share: \\fileserver\safeq-install
    min_memory_gb: 16
  register: server

- name: Show failing entries
  ansible.builtin.debug:
    msg: "{{ server.findings | selectattr('status', 'equalto', 'fail') | map(attribute='id') | list }}"
"""

RETURN = r"""
findings:
  description: One finding per evaluated catalogue entry.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Catalogue entry ID.
      type: str
      sample: server.admin-rights
    status:
      description: One of V(pass), V(warn), V(fail), V(skip), V(error), V(manual).
      type: str
      sample: fail
    reason:
      description: Machine-readable reason code.
      type: str
      sample: not-elevated
    detail:
      description: What was observed.
      type: str
      sample: LAB\safeq is in BUILTIN\Administrators but its token is filtered by UAC (integrity medium).
    remediation:
      description: What to do about it.
      type: str
      sample: Use an elevated session.
    source:
      description: The checklist line the entry implements.
      type: str
      sample: Administrator rights are required in order to perform the installation.
facts:
  description: The raw facts the node reported (schema in C(tests/lab/schemas/win_server_facts.schema.json)).
  returned: when the probe ran
  type: dict
  sample:
    user: LAB\safeq
    os: {caption: Microsoft Windows Server 2022 Standard, version: 10.0.20348, build: 20348, product_type: 3}
    msi_version: 5.0.20348.1
    errors: {}
rc:
  description: Exit code of the gather module when it failed.
  returned: when the gather failed
  type: int
  sample: 1
module_stderr:
  description: Decoded error text of the gather module when it failed.
  returned: when the gather failed
  type: str
  sample: Access is denied.
"""
