#!powershell

# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

#AnsibleRequires -CSharpUtil Ansible.Basic
#AnsibleRequires -PowerShell ..module_utils._SafeqGather

# Raw facts for safeq.preflight.windows_feature_check: Windows features, services, TCP listeners, UDP endpoints,
# excluded port ranges, dynamic port ranges and installed programs. It never decides a verdict. Read-only; each section in its own
# try/catch; only "nothing matched" errors (category ObjectNotFound) may mean empty.

$spec = @{
    options = @{
        features = @{ type = 'list'; elements = 'str'; default = @() }
        optional_features = @{ type = 'list'; elements = 'str'; default = @() }
        services = @{ type = 'list'; elements = 'str'; default = @() }
        service_display_names = @{ type = 'list'; elements = 'str'; default = @() }
        ports = @{ type = 'list'; elements = 'int'; default = @() }
        udp_ports = @{ type = 'list'; elements = 'int'; default = @() }
    }
    supports_check_mode = $true
}
$module = [Ansible.Basic.AnsibleModule]::Create($args, $spec)
$ProgressPreference = 'SilentlyContinue'
$ErrorActionPreference = 'Stop'

$facts = @{}
$errors = @{}
$details = @{}
$section = @{ Facts = $facts; Errors = $errors; Details = $details }

# Server SKUs: Get-WindowsFeature (ServerManager) with the server names. Client SKUs have no ServerManager: their optional
# features (Get-WindowsOptionalFeature -Online, DISM; needs an elevated token) with the client names. Python maps both.
Invoke-SafeqFactSection @section -Name 'features' -List -ScriptBlock {
    $missing = $null
    $serverManager = Get-Command -Name Get-WindowsFeature -ErrorAction SilentlyContinue -ErrorVariable missing
    Assert-SafeqOnlyNotFound -ErrorList $missing
    if ($serverManager) {
        Get-WindowsFeature -Name $module.Params.features | ForEach-Object {
            @{ name = [string]$_.Name; install_state = [string]$_.InstallState; source = 'ServerManager' }
        }
    }
    else {
        foreach ($name in $module.Params.optional_features) {
            $notFound = $null
            $feature = Get-WindowsOptionalFeature -Online -FeatureName $name -ErrorAction SilentlyContinue -ErrorVariable notFound
            Assert-SafeqOnlyNotFound -ErrorList $notFound
            if ($feature) { @{ name = [string]$feature.FeatureName; install_state = [string]$feature.State; source = 'OptionalFeature' } }
        }
    }
}
Invoke-SafeqFactSection @section -Name 'services' -List -ScriptBlock {
    $notFound = $null
    $found = @(Get-Service -Name $module.Params.services -ErrorAction SilentlyContinue -ErrorVariable notFound)
    Assert-SafeqOnlyNotFound -ErrorList $notFound
    # Other products' services by display name (wildcards): another print solution or database server that runs.
    if (@($module.Params.service_display_names).Count -gt 0) {
        $notFound = $null
        $found += @(Get-Service -DisplayName $module.Params.service_display_names -ErrorAction SilentlyContinue -ErrorVariable notFound)
        Assert-SafeqOnlyNotFound -ErrorList $notFound
    }
    $seenServices = @{}
    $found | Where-Object { $null -ne $_ -and -not $seenServices.ContainsKey($_.Name) } | ForEach-Object {
        $seenServices[$_.Name] = $true
        # StartType is absent on old .NET builds of Windows PowerShell: report null rather than guess.
        $startType = $null
        if ($_.PSObject.Properties['StartType']) { $startType = [string]$_.StartType }
        @{ name = [string]$_.Name; display_name = [string]$_.DisplayName; status = [string]$_.Status; start_type = $startType }
    }
}
# Who holds each wanted port: TCP listeners and UDP endpoints with the owning PID, its process name and the services
# running in it (an svchost PID hosts several); PID 4 (System) is a kernel listener, usually http.sys (see http_sys).
Invoke-SafeqFactSection @section -Name 'listeners' -List -ScriptBlock {
    $wanted = @($module.Params.ports)
    $wantedUdp = @($module.Params.udp_ports)
    $notFound = $null
    $rows = @(Get-NetTCPConnection -State Listen -ErrorAction SilentlyContinue -ErrorVariable notFound |
            Where-Object { $wanted -contains [int]$_.LocalPort } | ForEach-Object { @{ proto = 'tcp'; row = $_ } })
    Assert-SafeqOnlyNotFound -ErrorList $notFound
    if ($wantedUdp.Count -gt 0) {
        $notFound = $null
        $rows += @(Get-NetUDPEndpoint -ErrorAction SilentlyContinue -ErrorVariable notFound |
                Where-Object { $wantedUdp -contains [int]$_.LocalPort } | ForEach-Object { @{ proto = 'udp'; row = $_ } })
        Assert-SafeqOnlyNotFound -ErrorList $notFound
    }
    $servicesByPid = @{}
    if ($rows.Count -gt 0) {
        Get-CimInstance -ClassName Win32_Service -Filter 'ProcessId <> 0' -Property @('Name', 'ProcessId') | ForEach-Object {
            $key = [int]$_.ProcessId
            if (-not $servicesByPid.ContainsKey($key)) { $servicesByPid[$key] = @() }
            $servicesByPid[$key] += [string]$_.Name
        }
    }
    foreach ($item in $rows) {
        $row = $item.row
        $process = $null
        $processError = $null
        # A process that ended since the listener row was read is "not found"; anything else (access denied) is an error.
        $owner = Get-Process -Id $row.OwningProcess -ErrorAction SilentlyContinue -ErrorVariable processError
        Assert-SafeqOnlyNotFound -ErrorList $processError
        if ($owner) { $process = [string]$owner.ProcessName }
        $services = @()
        if ($servicesByPid.ContainsKey([int]$row.OwningProcess)) { $services = @($servicesByPid[[int]$row.OwningProcess]) }
        @{
            proto = $item.proto; port = [int]$row.LocalPort; address = [string]$row.LocalAddress; pid = [int]$row.OwningProcess
            process = $process; services = $services
        }
    }
}
# http.sys URL reservations (UrlAclInfo value names) and TLS certificate bindings (SslBindingInfo subkeys, ip:port):
# what a PID 4 listener serves. Read from the registry, not from netsh's localised text.
Invoke-SafeqFactSection @section -Name 'http_sys' -ScriptBlock {
    $base = [Microsoft.Win32.RegistryKey]::OpenBaseKey([Microsoft.Win32.RegistryHive]::LocalMachine, [Microsoft.Win32.RegistryView]::Registry64)
    try {
        $result = @{ url_reservations = @(); ssl_bindings = @() }
        $acl = $base.OpenSubKey('SYSTEM\CurrentControlSet\Services\HTTP\Parameters\UrlAclInfo')
        if ($null -ne $acl) { $result.url_reservations = @($acl.GetValueNames() | ForEach-Object { [string]$_ }); $acl.Dispose() }
        $ssl = $base.OpenSubKey('SYSTEM\CurrentControlSet\Services\HTTP\Parameters\SslBindingInfo')
        if ($null -ne $ssl) { $result.ssl_bindings = @($ssl.GetSubKeyNames() | ForEach-Object { [string]$_ }); $ssl.Dispose() }
        $result
    }
    finally { $base.Dispose() }
}
# Port ranges Windows will not let a program bind (excluded port ranges): Hyper-V, WinNAT and Docker reserve them at boot,
# an administrator or an installer with "netsh int ipvX add excludedportrange" (administered, marked "*"). The dynamic ones
# live only in the running TCP/IP stack (the registry Nsi keys hold the persistent ones only) and no cmdlet or CIM class
# lists them, so netsh is asked; its headings are localised, so only the numeric rows ("start end [*]") are read.
Invoke-SafeqFactSection @section -Name 'excluded_port_ranges' -List -ScriptBlock {
    foreach ($family in 'ipv4', 'ipv6') {
        foreach ($proto in 'tcp', 'udp') {
            $lines = @(& netsh.exe interface $family show excludedportrange "protocol=$proto")
            if ($LASTEXITCODE -ne 0) { throw "netsh interface $family show excludedportrange protocol=$proto exited with code $LASTEXITCODE" }
            foreach ($line in $lines) {
                if ([string]$line -match '^\s*(\d{1,5})\s+(\d{1,5})\s*(\*?)\s*$') {
                    @{ family = $family; proto = $proto; start = [int]$Matches[1]; end = [int]$Matches[2]; administered = ($Matches[3] -eq '*') }
                }
            }
        }
    }
}
# The dynamic (ephemeral) port range per family and protocol: Windows hands out ports from it for outbound connections and
# Hyper-V, WinNAT and Docker reserve excluded ranges out of it at boot. MSFT_NetTCPSetting / MSFT_NetUDPSetting
# (Get-NetTCPSetting) carry no address family and several TCP templates, while ipv4 and ipv6 ranges are set apart
# (netsh int ipv6 set dynamicport), so netsh is asked per family; its labels are localised, so only the two numbers
# ("start", then "number of ports") are read, and anything else is an error, never an empty list.
Invoke-SafeqFactSection @section -Name 'dynamic_port_ranges' -List -ScriptBlock {
    foreach ($family in 'ipv4', 'ipv6') {
        foreach ($proto in 'tcp', 'udp') {
            $lines = @(& netsh.exe interface $family show dynamicportrange "protocol=$proto")
            if ($LASTEXITCODE -ne 0) { throw "netsh interface $family show dynamicportrange protocol=$proto exited with code $LASTEXITCODE" }
            $numbers = @(foreach ($line in $lines) { if ([string]$line -match ':\s*(\d{1,5})\s*$') { [int]$Matches[1] } })
            if ($numbers.Count -ne 2) { throw "netsh interface $family show dynamicportrange protocol=$proto returned $($numbers.Count) numbers, not 2" }
            @{ family = $family; proto = $proto; start = $numbers[0]; count = $numbers[1] }
        }
    }
}
# Win32_ComputerSystem.DomainRole: 4 and 5 are domain controllers (their LDAP holds TCP 389).
Invoke-SafeqFactSection @section -Name 'domain_role' -ScriptBlock {
    [int](Get-CimInstance -ClassName Win32_ComputerSystem -Property DomainRole).DomainRole
}
# Uninstall keys of both registry views of HKLM and of every loaded user hive (HKU\<SID>: per-user installs), read
# through .NET so that a key that cannot be read is an error, not a gap.
Invoke-SafeqFactSection @section -Name 'software' -List -ScriptBlock {
    $uninstall = 'SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall'
    $roots = @()
    foreach ($view in [Microsoft.Win32.RegistryView]::Registry64, [Microsoft.Win32.RegistryView]::Registry32) {
        $roots += @{ key = [Microsoft.Win32.RegistryKey]::OpenBaseKey([Microsoft.Win32.RegistryHive]::LocalMachine, $view); view = [string]$view; sid = $null }
    }
    $users = [Microsoft.Win32.RegistryKey]::OpenBaseKey([Microsoft.Win32.RegistryHive]::Users, [Microsoft.Win32.RegistryView]::Registry64)
    foreach ($sid in $users.GetSubKeyNames()) {
        if ($sid -like 'S-1-5-21-*' -and $sid -notlike '*_Classes') {
            $hive = $users.OpenSubKey($sid)
            if ($null -ne $hive) { $roots += @{ key = $hive; view = 'Registry64'; sid = $sid } }
        }
    }
    try {
        foreach ($root in $roots) {
            $list = $root.key.OpenSubKey($uninstall)
            if ($null -eq $list) { continue }
            foreach ($name in $list.GetSubKeyNames()) {
                $key = $list.OpenSubKey($name)
                if ($null -eq $key) { continue }
                $displayName = $key.GetValue('DisplayName')
                $systemComponent = $key.GetValue('SystemComponent')
                if ($displayName -and -not $systemComponent) {
                    $item = @{
                        name = [string]$displayName
                        version = [string]$key.GetValue('DisplayVersion')
                        publisher = [string]$key.GetValue('Publisher')
                        view = $root.view
                    }
                    if ($root.sid) { $item.user_sid = $root.sid }
                    $item
                }
                $key.Dispose()
            }
            $list.Dispose()
        }
    }
    finally {
        foreach ($root in $roots) { $root.key.Dispose() }
        $users.Dispose()
    }
}
$facts.errors = $errors
$facts.error_details = $details
$module.Result.facts = $facts
$module.ExitJson()
