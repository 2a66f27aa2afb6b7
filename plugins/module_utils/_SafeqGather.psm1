# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Shared helpers of the safeq.preflight gather modules (PRIVATE to this collection).
# Import in a module with: #AnsibleRequires -PowerShell ..module_utils._SafeqGather
# Windows PowerShell 5.1 and PowerShell 7; no Add-Type (Constrained Language Mode safe); locale-independent:
# errors are described by HResult, category and FullyQualifiedErrorId, never by their (localised) message text.

Function Get-SafeqInnerException {
    <# The innermost exception of an exception chain (socket and TLS errors arrive wrapped). #>
    param([Parameter(Mandatory = $true)][Exception]$Exception)
    while ($null -ne $Exception.InnerException) { $Exception = $Exception.InnerException }
    $Exception
}

Function Get-SafeqErrorDetail {
    <#
    .SYNOPSIS
    Locale-independent description of an error record: the message (localised, for people), the HResult,
    the error category and the FullyQualifiedErrorId (both English on every locale), for Python to classify.
    #>
    param([Parameter(Mandatory = $true)][System.Management.Automation.ErrorRecord]$ErrorRecord)
    $inner = Get-SafeqInnerException -Exception $ErrorRecord.Exception
    $detail = @{
        message = [string]$ErrorRecord.Exception.Message
        hresult = [int]$inner.HResult
        category = [string]$ErrorRecord.CategoryInfo.Category
        error_id = [string]$ErrorRecord.FullyQualifiedErrorId
        exception = [string]$inner.GetType().FullName
    }
    # A CimException's NativeErrorCode names the WMI/MI result (InvalidNamespace, AccessDenied, Failed ...), a Win32Exception's
    # is the Win32 error code: both locale-independent, and the only code some CIM failures carry.
    if ($inner.PSObject.Properties['NativeErrorCode']) { $detail.native_error = [string]$inner.NativeErrorCode }
    $detail
}

Function Invoke-SafeqFactSection {
    <#
    .SYNOPSIS
    Run one gather section in its own try/catch. The value goes to $Facts[$Name]; on an error the fact is
    $null, its message goes to $Errors[$Name] and its locale-independent details to $Details[$Name].
    -List keeps the value a list (PowerShell unrolls one-element arrays and turns an empty one into $null).
    #>
    param(
        [Parameter(Mandatory = $true)][Hashtable]$Facts,
        [Parameter(Mandatory = $true)][Hashtable]$Errors,
        [Parameter(Mandatory = $true)][Hashtable]$Details,
        [Parameter(Mandatory = $true)][String]$Name,
        [Parameter(Mandatory = $true)][ScriptBlock]$ScriptBlock,
        [Switch]$List
    )
    try {
        $value = & $ScriptBlock
        if ($List) { $value = @($value | Where-Object { $null -ne $_ }) }
        $Facts[$Name] = $value
    }
    catch {
        $Facts[$Name] = $null
        $detail = Get-SafeqErrorDetail -ErrorRecord $_
        $Errors[$Name] = $detail.message
        $Details[$Name] = $detail
    }
}

Function Assert-SafeqOnlyNotFound {
    <#
    .SYNOPSIS
    Rethrow the first error of an -ErrorVariable list that is not a "nothing matched" error.
    Only ObjectNotFound (no such service, no matching CIM object, no such registry key) may mean empty;
    anything else (access denied, provider failure) must not turn into "nothing found".
    #>
    param([AllowNull()][AllowEmptyCollection()][Object[]]$ErrorList)
    foreach ($record in @($ErrorList)) {
        if ($null -eq $record) { continue }
        if ($record -is [System.Management.Automation.ErrorRecord]) {
            if ($record.CategoryInfo.Category -eq [System.Management.Automation.ErrorCategory]::ObjectNotFound) { continue }
            throw $record
        }
        throw $record
    }
}

Function ConvertTo-SafeqInvariantDate {
    <# An ISO 8601 round-trip string of a DateTime (invariant culture), or $null. #>
    param([AllowNull()][Object]$Value)
    if ($null -eq $Value) { return $null }
    ([DateTime]$Value).ToString('o', [Globalization.CultureInfo]::InvariantCulture)
}

Function New-SafeqSocketResult {
    <# The raw outcome of one socket exchange, before it runs (shared by the port and socket probes). #>
    param([Parameter(Mandatory = $true)][String]$Id)
    @{ id = $Id; outcome = 'error'; socket_error = $null; rtt_ms = 0; response = ''; message = '' }
}

Function Set-SafeqSocketError {
    <# Record an exception on a socket result: the innermost message and, for a SocketException, its WinSock code. #>
    param([Parameter(Mandatory = $true)][Hashtable]$Result, [Parameter(Mandatory = $true)][Exception]$Exception)
    $inner = Get-SafeqInnerException -Exception $Exception
    $Result.message = [string]$inner.Message
    if ($inner -is [System.Net.Sockets.SocketException]) { $Result.socket_error = [int]$inner.ErrorCode }
}

Function Get-SafeqFirewallFacts {
    <#
    .SYNOPSIS
    Windows Firewall facts for the network matrix and its advisory (raw, locale-independent; Python decides).
    .DESCRIPTION
    - profiles: each profile of the active store (local settings merged with Group Policy, what the firewall enforces):
      Enabled, DefaultInboundAction, AllowLocalFirewallRules as their invariant enum names (True/False/NotConfigured,
      Block/Allow/NotConfigured).
    - active_profile (Get-NetFirewallSetting) and connections: the network category of each connected adapter
      (DomainAuthenticated/Private/Public), from which Python derives the profiles in force.
    - stealth: the DisableStealthMode DWORD of each profile where it lives, the policy value (HKLM\SOFTWARE\Policies\...,
      Domain/Private/Public/Standard) and the local one (SharedAccess\Parameters\FirewallPolicy, Domain/Standard/Public;
      "Standard" is the Private profile); null when absent. 64-bit registry view.
    - rules: every enabled inbound rule of the active store with its action, profiles, policy source (Local, GroupPolicy...),
      owner, and its port (local and remote ports), application (program, AppContainer package), service, address (remote
      and local), interface type, interface (alias) and security filters (local user, remote user and machine,
      OverrideBlockRules). Each filter class is read ONCE for the whole store
      (-All) and joined to the rules by position or InstanceID: piping rule by rule into Get-NetFirewallPortFilter makes
      one CIM association query per rule (about 30 ms per rule and class), which takes minutes with thousands of rules. The HNetCfg.FwPolicy2 COM
      object is faster still but reads the local store only (no Group Policy rules, no policy source), so it would
      miss exactly the rules a site's firewall team sets.
    Each part has its own try/catch: a part that fails leaves its value null and its locale-independent error detail in
    errors[part], never an empty list that would read as "no rule". The interface type, interface and security filter
    classes have their own try/catch too (errors.interface_type_filter, interface_filter, security_filter): their
    conditions are then null on every rule.
    #>
    $result = @{ profiles = $null; active_profile = $null; connections = $null; stealth = $null; rules = $null; errors = @{} }
    try {
        $result.profiles = @(Get-NetFirewallProfile -PolicyStore ActiveStore -ErrorAction Stop | ForEach-Object {
                @{
                    name = [string]$_.Name
                    enabled = [string]$_.Enabled
                    default_inbound_action = [string]$_.DefaultInboundAction
                    allow_local_firewall_rules = [string]$_.AllowLocalFirewallRules
                }
            })
    }
    catch { $result.errors.profiles = Get-SafeqErrorDetail -ErrorRecord $_ }
    try {
        $result.active_profile = [string](Get-NetFirewallSetting -PolicyStore ActiveStore -ErrorAction Stop).ActiveProfile
        $missing = $null
        $connected = @(Get-NetConnectionProfile -ErrorAction SilentlyContinue -ErrorVariable missing)
        Assert-SafeqOnlyNotFound -ErrorList $missing
        $result.connections = @($connected | Where-Object { $null -ne $_ } | ForEach-Object {
                @{ interface_alias = [string]$_.InterfaceAlias; interface_index = [int]$_.InterfaceIndex; network_category = [string]$_.NetworkCategory }
            })
    }
    catch { $result.errors.connections = Get-SafeqErrorDetail -ErrorRecord $_ }
    try {
        $base = [Microsoft.Win32.RegistryKey]::OpenBaseKey([Microsoft.Win32.RegistryHive]::LocalMachine, [Microsoft.Win32.RegistryView]::Registry64)
        try {
            $read = {
                param($path)
                $key = $base.OpenSubKey($path)
                if ($null -eq $key) { return $null }
                $value = $key.GetValue('DisableStealthMode')
                $key.Dispose()
                if ($null -eq $value) { return $null }
                [int]$value
            }
            $policy = @{}
            foreach ($name in 'DomainProfile', 'PrivateProfile', 'PublicProfile', 'StandardProfile') {
                $policy[$name] = & $read ('SOFTWARE\Policies\Microsoft\WindowsFirewall\' + $name)
            }
            $local = @{}
            foreach ($name in 'DomainProfile', 'StandardProfile', 'PublicProfile') {
                $local[$name] = & $read ('SYSTEM\CurrentControlSet\Services\SharedAccess\Parameters\FirewallPolicy\' + $name)
            }
            $result.stealth = @{ policy = $policy; local = $local }
        }
        finally { $base.Dispose() }
    }
    catch { $result.errors.stealth = Get-SafeqErrorDetail -ErrorRecord $_ }
    try {
        # Every rule of the active store (-TracePolicyStore: a Group Policy rule then shows as GroupPolicy), then each filter
        # class once. The store may hold two rules with one InstanceID (a Group Policy copy of a built-in rule beside the local
        # one): a class whose InstanceID sequence equals the rules' is joined by position; otherwise by a dictionary of the ids
        # that one rule and one filter carry, and a rule whose id is ambiguous gets no filter (filters_found false: no evidence).
        $rules = @(Get-NetFirewallRule -PolicyStore ActiveStore -TracePolicyStore -ErrorAction Stop)
        $ruleIds = @($rules | ForEach-Object { [string]$_.InstanceID })
        $join = {
            param([Object[]]$Filters)
            $filterIds = @($Filters | ForEach-Object { [string]$_.InstanceID })
            $byRule = New-Object -TypeName 'object[]' -ArgumentList $rules.Count
            if (($filterIds -join "`n") -ceq ($ruleIds -join "`n")) {
                for ($i = 0; $i -lt $rules.Count; $i++) { $byRule[$i] = $Filters[$i] }
            }
            else {
                $count = @{}
                foreach ($id in $ruleIds + $filterIds) { $count[$id] = 1 + [int]$count[$id] }
                $index = @{}
                foreach ($filter in $Filters) { $index[[string]$filter.InstanceID] = $filter }
                for ($i = 0; $i -lt $rules.Count; $i++) {
                    if ($count[$ruleIds[$i]] -eq 2) { $byRule[$i] = $index[$ruleIds[$i]] }
                }
            }
            , $byRule
        }
        $joined = @{}
        foreach ($class in 'Port', 'Application', 'Service', 'Address') {
            $joined[$class] = & $join @(& "Get-NetFirewall$($class)Filter" -All -PolicyStore ActiveStore -ErrorAction Stop)
        }
        # The classes that only narrow a rule (interface type, interface alias, local/remote user and machine, OverrideBlockRules):
        # each in its own try/catch. One that cannot be read leaves its conditions null on every rule (never "not limited") and its
        # error in errors.<class>_filter; Python then takes no Block rule as evidence.
        foreach ($part in @(@('InterfaceType', 'interface_type_filter'), @('Interface', 'interface_filter'), @('Security', 'security_filter'))) {
            try {
                $joined[$part[0]] = & $join @(& "Get-NetFirewall$($part[0])Filter" -All -PolicyStore ActiveStore -ErrorAction Stop)
            }
            catch {
                $joined[$part[0]] = New-Object -TypeName 'object[]' -ArgumentList $rules.Count
                $result.errors[$part[1]] = Get-SafeqErrorDetail -ErrorRecord $_
            }
        }
        $inbound = New-Object -TypeName 'System.Collections.Generic.List[object]'
        for ($i = 0; $i -lt $rules.Count; $i++) {
            $rule = $rules[$i]
            if ([string]$rule.Direction -ne 'Inbound' -or [string]$rule.Enabled -ne 'True') { continue }
            $port = $joined['Port'][$i]
            $program = $joined['Application'][$i]
            $service = $joined['Service'][$i]
            $address = $joined['Address'][$i]
            $interfaceType = $joined['InterfaceType'][$i]
            $interface = $joined['Interface'][$i]
            $security = $joined['Security'][$i]
            # a condition that was not read is null: Python counts it as limiting the rule. Enum values as invariant names.
            $inbound.Add(@{
                    id = $ruleIds[$i]
                    display_name = [string]$rule.DisplayName
                    action = [string]$rule.Action
                    profiles = [string]$rule.Profile
                    source = [string]$rule.PolicyStoreSourceType
                    owner = [string]$rule.Owner
                    protocol = if ($null -ne $port) { [string]$port.Protocol } else { $null }
                    local_ports = if ($null -ne $port) { @($port.LocalPort | ForEach-Object { [string]$_ }) } else { @() }
                    remote_ports = if ($null -ne $port) { @($port.RemotePort | ForEach-Object { [string]$_ }) } else { $null }
                    program = if ($null -ne $program) { [string]$program.Program } else { $null }
                    package = if ($null -ne $program) { [string]$program.Package } else { $null }
                    service = if ($null -ne $service) { [string]$service.Service } else { $null }
                    remote_addresses = if ($null -ne $address) { @($address.RemoteAddress | ForEach-Object { [string]$_ }) } else { @() }
                    local_addresses = if ($null -ne $address) { @($address.LocalAddress | ForEach-Object { [string]$_ }) } else { $null }
                    interface_types = if ($null -ne $interfaceType) { [string]$interfaceType.InterfaceType } else { $null }
                    interface_aliases = if ($null -ne $interface) { @($interface.InterfaceAlias | ForEach-Object { [string]$_ }) } else { $null }
                    local_user = if ($null -ne $security) { [string]$security.LocalUser } else { $null }
                    remote_user = if ($null -ne $security) { [string]$security.RemoteUser } else { $null }
                    remote_machine = if ($null -ne $security) { [string]$security.RemoteMachine } else { $null }
                    override_block_rules = if ($null -ne $security) { $security.OverrideBlockRules -eq $true } else { $null }
                    authentication = if ($null -ne $security) { [string]$security.Authentication } else { $null }
                    encryption = if ($null -ne $security) { [string]$security.Encryption } else { $null }
                    filters_found = ($null -ne $port) -and ($null -ne $program) -and ($null -ne $service) -and ($null -ne $address)
                })
        }
        $result.rules = $inbound.ToArray()
    }
    catch { $result.errors.rules = Get-SafeqErrorDetail -ErrorRecord $_ }
    $result
}

$exportMembers = @{
    Function = 'Get-SafeqInnerException', 'Get-SafeqErrorDetail', 'Invoke-SafeqFactSection', 'Assert-SafeqOnlyNotFound',
    'ConvertTo-SafeqInvariantDate', 'New-SafeqSocketResult', 'Set-SafeqSocketError'
}
$exportMembers.Function += 'Get-SafeqFirewallFacts'
Export-ModuleMember @exportMembers
