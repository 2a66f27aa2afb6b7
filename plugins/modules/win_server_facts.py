# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: win_server_facts
short_description: Gather the raw Windows facts that M(safeq.preflight.server_check) evaluates
version_added: 0.2.0
description:
  - The Windows gather of M(safeq.preflight.server_check), which runs it and evaluates its facts in Python. It decides
    nothing itself; use M(safeq.preflight.server_check) in playbooks. Run it directly only to look at, or record, what a
    node reports (see C(playbooks/record_node_profile.yml) and C(docs/simulated-nodes.md)).
  - "Reads, and changes nothing: from the process token through .NET (never C(whoami.exe), whose text goes through the
    console code page), the user (C(WindowsIdentity.GetCurrent().Name)), BUILTIN\\Administrators (S-1-5-32-544) as
    the token holds it (a C(GroupSid) claim, enabled, or a C(DenyOnlySid) claim, filtered by UAC) with its localised
    name (C(SecurityIdentifier.Translate)), whether the token is elevated (C(WindowsPrincipal.IsInRole) of
    S-1-5-32-544) and its C(AuthenticationType); C(Win32_OperatingSystem) C(Caption), C(Version), C(BuildNumber), C(ProductType), C(OSArchitecture),
    C(LastBootUpTime); in the 64-bit registry view C(HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion) C(EditionID),
    C(InstallationType), C(ProductName), C(CurrentBuildNumber), C(UBR), C(DisplayVersion) (else C(ReleaseId)) and
    C(HKLM\\SYSTEM\\CurrentControlSet\\Control\\Session Manager\\Environment) C(PROCESSOR_ARCHITECTURE);
    the C(ProductVersion) of C(%SystemRoot%\\System32\\msi.dll); C(Install), C(SP) and C(Version) of
    C(HKLM\\SOFTWARE\\Microsoft\\NET Framework Setup\\NDP\\v3.5) (64-bit view); the C(App Paths) registry keys of
    C(chrome.exe), C(firefox.exe), C(msedge.exe) and C(iexplore.exe) in the 64-bit and the 32-bit (WOW6432Node) views of
    HKLM and in every loaded user hive C(HKU\\S-1-5-21-*),
    and the C(ProductVersion) of the file each names; every C(Win32_QuickFixEngineering) row (C(HotFixID),
    C(Description) and the raw C(InstalledOn) string); the subkeys C(Package_for_KB*), C(Package_for_RollupFix*) and
    C(Package_for_ServicingStack*) of C(HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\Packages)
    (64-bit view) with their raw C(CurrentState), C(InstallTimeHigh) and C(InstallTimeLow) DWORDs (the install time as a
    UTC FILETIME); whether these registry keys exist (64-bit view):
    C(HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\RebootPending), C(...\\RebootInProgress),
    C(...\\PackagesPending), C(HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Auto Update\\RebootRequired) and
    C(...\\PostRebootReporting); the count of C(PendingFileRenameOperations) and C(PendingFileRenameOperations2) entries
    (C(HKLM\\SYSTEM\\CurrentControlSet\\Control\\Session Manager)); C(ComputerName) of
    C(...\\Control\\ComputerName\\ActiveComputerName) and C(...\\ComputerName\\ComputerName); whether
    C(HKLM\\SYSTEM\\CurrentControlSet\\Services\\Netlogon) has C(JoinDomain) or C(AvoidSpnSet); whether
    C(HKLM\\SOFTWARE\\Microsoft\\ServerManager\\CurrentRebootAttempts) exists, the raw C(RestartRequired) value of
    C(HKLM\\SOFTWARE\\Microsoft\\ServerManager\\ServicingStorage\\ServerComponentCache), C(UpdateExeVolatile) of
    C(HKLM\\SOFTWARE\\Microsoft\\Updates) and the number of subkeys of
    C(HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Services\\Pending) (C(RunOnce) is not read);
    C(Win32_ComputerSystem) C(NumberOfLogicalProcessors) and
    C(TotalPhysicalMemory); C(Win32_LogicalDisk) C(FreeSpace) and C(Size) of the system drive and of every local fixed disk (C(DriveType=3));
    C(Win32_NetworkAdapterConfiguration) C(Description), C(DHCPEnabled) and C(IPAddress) of IP-enabled adapters;
    the node's FQDN (C(COMPUTERNAME) and C(IPGlobalProperties.DomainName)), its A records and the PTR records of its IPv4
    addresses from the DNS servers (C(Resolve-DnsName -DnsOnly -QuickTimeout));
    C(Get-MpComputerStatus) C(RealTimeProtectionEnabled) and C(AMRunningMode), C(Get-MpPreference) C(ExclusionPath);
    C(DisplayName) and C(Start) of the C(HKLM\\SYSTEM\\CurrentControlSet\\Services) subkeys whose C(Group) is
    C(FSFilter Anti-Virus) (antivirus filter drivers);
    Windows Firewall (C(facts.firewall)): C(Get-NetFirewallProfile -PolicyStore ActiveStore) C(Name), C(Enabled),
    C(DefaultInboundAction), C(AllowLocalFirewallRules); C(Get-NetFirewallSetting -PolicyStore ActiveStore) C(ActiveProfile);
    C(Get-NetConnectionProfile) C(InterfaceAlias), C(InterfaceIndex), C(NetworkCategory); the C(DisableStealthMode) values of
    C(HKLM\\SOFTWARE\\Policies\\Microsoft\\WindowsFirewall\\{Domain,Private,Public,Standard}Profile) and
    C(HKLM\\SYSTEM\\CurrentControlSet\\Services\\SharedAccess\\Parameters\\FirewallPolicy\\{Domain,Standard,Public}Profile)
    (64-bit view); every enabled inbound rule of C(Get-NetFirewallRule -PolicyStore ActiveStore -TracePolicyStore) (C(InstanceID),
    C(DisplayName), C(Direction), C(Enabled), C(Action), C(Profile), C(PolicyStoreSourceType), C(Owner)) joined by position or
    C(InstanceID) to C(Get-NetFirewallPortFilter -All) (C(Protocol), C(LocalPort), C(RemotePort)),
    C(Get-NetFirewallApplicationFilter -All) (C(Program), C(Package)), C(Get-NetFirewallServiceFilter -All) (C(Service)),
    C(Get-NetFirewallAddressFilter -All) (C(RemoteAddress), C(LocalAddress)), C(Get-NetFirewallInterfaceTypeFilter -All)
    (C(InterfaceType)), C(Get-NetFirewallInterfaceFilter -All) (C(InterfaceAlias)) and C(Get-NetFirewallSecurityFilter -All)
    (C(LocalUser), C(RemoteUser), C(RemoteMachine), C(OverrideBlockRules), C(Authentication), C(Encryption), the IPsec
    requirements of an allow-if-secure rule), each read once for the whole store (the last three
    each in its own try/catch: one that fails leaves its conditions V(null) on every rule, its error in C(firewall.errors));
    the node's clock (C([DateTime]::UtcNow.Ticks), as milliseconds since 1970-01-01 UTC);
    when O(share) is given, whether TCP 445 of its server answers within 3 seconds and, only then, C(Test-Path)
    and the first entry of C(Get-ChildItem) of that UNC path; and only when O(windows_update_search) is true, the
    result of the C(Microsoft.Update.Session) update searcher's asynchronous search (C(BeginSearch) with the criteria
    C(IsInstalled=0 and Type='Software'), C(ISearchJob.IsCompleted) polled until O(windows_update_timeout), then C(EndSearch):
    its C(ResultCode), and per update C(Title), C(KBArticleIDs), C(MsrcSeverity) and the C(CategoryID)s; past the timeout
    C(RequestAbort), and C(CleanUp) once the job has stopped), with the WSUS policy
    (C(HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\WindowsUpdate) value C(WUServer) and its C(AU) subkey's C(UseWUServer),
    64-bit view); nothing is downloaded or installed."
  - Each section runs in its own try/catch. A section that fails is V(null) in RV(facts); its message (localised) is in
    C(facts.errors) and its HResult, error category and FullyQualifiedErrorId (the same on every locale) in
    C(facts.error_details), with the innermost exception's C(NativeErrorCode) (C(native_error)) when it has one.
options:
  share:
    description:
      - UNC path of the installation share to test for reading. Empty or omitted skips the share section.
      - "It is read as the task's user. Over WinRM with Basic or NTLM the session has no network credentials (second hop);
        with C(become: true), C(become_method: runas) and a password it is a full logon of the become user, which does."
    type: str
    default: ''
  windows_update_search:
    description:
      - Search the Windows Update Agent for software updates that are not installed (slow; search only). The Windows
        Update API may refuse a WinRM network logon (C(0x80070005)); C(become) gives it a full logon.
    type: bool
    default: false
  windows_update_timeout:
    description:
      - Seconds the search may take; after that the module sends C(RequestAbort) to the search job, waits up to 10 more
        seconds for it to stop (then C(CleanUp)), and the section fails with a C(System.TimeoutException).
      - The module runs at most this long plus about 10 seconds in the search.
    type: int
    default: 300
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - safeq.preflight.attributes
  - safeq.preflight.attributes.windows
notes:
  - Windows PowerShell 5.1 or later. Uses no C(Add-Type) of its own (C(Ansible.Basic) is compiled by Ansible's exec wrapper).
  - C(InstalledOn) is returned as stored because C(Get-HotFix) parses it with the node's culture, which throws or swaps day
    and month on non-US locales; M(safeq.preflight.server_check) parses it on the controller.
seealso:
  - module: safeq.preflight.server_check
author:
  - safeq.preflight contributors (@safeq-preflight)
"""

EXAMPLES = r"""
- name: Show what a node reports (no verdicts)
  safeq.preflight.win_server_facts:
    share: \\fileserver\safeq-install
  register: raw

- name: Read the share as the installing account (second hop)
  safeq.preflight.win_server_facts:
    share: \\fileserver\safeq-install
  become: true
  become_method: ansible.builtin.runas
  become_user: LAB\safeq-install
  vars:
    ansible_become_password: "{{ vault_safeq_install_password }}"
"""

RETURN = r"""
facts:
  description: The raw facts (JSON Schema in C(tests/lab/schemas/win_server_facts.schema.json)).
  returned: always
  type: dict
  sample:
    user: LAB\safeq
    os: {caption: Microsoft Windows Server 2022 Standard, version: 10.0.20348, build: 20348, product_type: 3}
    platform: {edition_id: ServerStandard, installation_type: Server, current_build: "20348", ubr: 4405, processor_architecture: AMD64}
    hotfixes: [{id: KB5068787, description: Security Update, installed_on_raw: 11/12/2026}]
    msi_version: 5.0.20348.1
    firewall:
      profiles: [{name: Domain, enabled: 'True', default_inbound_action: Block, allow_local_firewall_rules: 'True'}]
      active_profile: Domain
      connections: [{interface_alias: Ethernet0, interface_index: 6, network_category: DomainAuthenticated}]
      stealth: {policy: {DomainProfile: null, PrivateProfile: null, PublicProfile: null, StandardProfile: null},
                local: {DomainProfile: null, StandardProfile: null, PublicProfile: null}}
      rules: [{id: '{6f1c2a10-5e7d-4c1b-9a3e-0b7c1d2e3f41}', display_name: 'SafeQ: block JMX', action: Block, profiles: Any,
               source: GroupPolicy, protocol: TCP, local_ports: ['19898'], program: Any, service: Any, remote_addresses: [Any],
               local_addresses: [Any], remote_ports: [Any], interface_types: Any, interface_aliases: [Any], package: '', owner: '',
               local_user: Any, remote_user: Any, remote_machine: Any, override_block_rules: false, authentication: NotRequired,
               encryption: NotRequired, filters_found: true}]
      errors: {}
    errors: {}
    error_details: {}
"""
