#!powershell

# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

#AnsibleRequires -CSharpUtil Ansible.Basic
#AnsibleRequires -PowerShell ..module_utils._SafeqGather

# Raw server facts for safeq.preflight.server_check. It never decides a verdict: Python evaluates everything.
# Read-only, locale-independent (raw values, invariant dates), each section in its own try/catch.

$spec = @{
    options = @{
        share = @{ type = 'str'; default = '' }
        windows_update_search = @{ type = 'bool'; default = $false }
        windows_update_timeout = @{ type = 'int'; default = 300 }
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

# The identity comes from the process token through .NET, never from whoami.exe: names are UTF-16 strings from LSA
# (a user "Jiří Novák" or the Czech group "BUILTIN\Správci" arrive intact; whoami's text goes through the console code
# page), group membership is by SID, and elevation is the token's own answer.
Invoke-SafeqFactSection @section -Name 'user' -ScriptBlock {
    [string][Security.Principal.WindowsIdentity]::GetCurrent().Name
}
# BUILTIN\Administrators (S-1-5-32-544) as the token holds it: "enabled" (a GroupSid claim), or "deny-only" (a DenyOnlySid
# claim: the group of a token filtered by UAC), with its localised name.
Invoke-SafeqFactSection @section -Name 'groups' -List -ScriptBlock {
    $kinds = @{
        ([Security.Claims.ClaimTypes]::GroupSid) = 'enabled'
        ([Security.Claims.ClaimTypes]::DenyOnlySid) = 'deny-only'
    }
    foreach ($claim in [Security.Principal.WindowsIdentity]::GetCurrent().Claims) {
        if ($claim.Value -ne 'S-1-5-32-544' -or -not $kinds.ContainsKey($claim.Type)) { continue }
        $sid = New-Object -TypeName Security.Principal.SecurityIdentifier -ArgumentList $claim.Value
        @{ sid = [string]$claim.Value; attributes = $kinds[$claim.Type]; name = [string]$sid.Translate([Security.Principal.NTAccount]).Value }
    }
}
# Elevation: whether the token has Administrators enabled (WindowsPrincipal.IsInRole checks the enabled groups of the
# token, so a UAC-filtered token answers false).
Invoke-SafeqFactSection @section -Name 'token' -ScriptBlock {
    $identity = [Security.Principal.WindowsIdentity]::GetCurrent()
    $admins = New-Object -TypeName Security.Principal.SecurityIdentifier -ArgumentList 'S-1-5-32-544'
    $principal = New-Object -TypeName Security.Principal.WindowsPrincipal -ArgumentList $identity
    @{ elevated = [bool]$principal.IsInRole($admins); authentication = [string]$identity.AuthenticationType }
}
Invoke-SafeqFactSection @section -Name 'os' -ScriptBlock {
    $os = Get-CimInstance -ClassName Win32_OperatingSystem
    @{
        caption = [string]$os.Caption
        version = [string]$os.Version
        build = [int]$os.BuildNumber
        product_type = [int]$os.ProductType
        architecture = [string]$os.OSArchitecture
        last_boot = ConvertTo-SafeqInvariantDate -Value $os.LastBootUpTime
    }
}
# Edition, installation type and build from the registry's 64-bit view (a 32-bit endpoint would see WOW6432Node),
# and the machine's processor architecture (AMD64, ARM64, x86): raw, never localised, unlike Caption/OSArchitecture.
Invoke-SafeqFactSection @section -Name 'platform' -ScriptBlock {
    $base = [Microsoft.Win32.RegistryKey]::OpenBaseKey([Microsoft.Win32.RegistryHive]::LocalMachine, [Microsoft.Win32.RegistryView]::Registry64)
    try {
        $nt = $base.OpenSubKey('SOFTWARE\Microsoft\Windows NT\CurrentVersion')
        $environment = $base.OpenSubKey('SYSTEM\CurrentControlSet\Control\Session Manager\Environment')
        if ($null -eq $nt -or $null -eq $environment) { throw [System.Management.Automation.ItemNotFoundException]'CurrentVersion or Environment key missing' }
        $ubr = $nt.GetValue('UBR')
        $displayVersion = $nt.GetValue('DisplayVersion')
        if ($null -eq $displayVersion) { $displayVersion = $nt.GetValue('ReleaseId') }
        @{
            edition_id = [string]$nt.GetValue('EditionID')
            installation_type = [string]$nt.GetValue('InstallationType')
            product_name = [string]$nt.GetValue('ProductName')
            current_build = [string]$nt.GetValue('CurrentBuildNumber')
            ubr = if ($null -ne $ubr) { [int64]$ubr } else { $null }
            display_version = if ($null -ne $displayVersion) { [string]$displayVersion } else { $null }
            processor_architecture = [string]$environment.GetValue('PROCESSOR_ARCHITECTURE')
        }
        $nt.Dispose()
        $environment.Dispose()
    }
    finally { $base.Dispose() }
}
Invoke-SafeqFactSection @section -Name 'msi_version' -ScriptBlock {
    (Get-Item -LiteralPath "$env:SystemRoot\System32\msi.dll").VersionInfo.ProductVersion
}
# .NET Framework 3.5 (the embedded SQL Server 2008 Express needs it): NDP\v3.5 in the 64-bit view; a missing key means
# not installed (its payload is removed by default on Server 2012 and later).
Invoke-SafeqFactSection @section -Name 'netfx35' -ScriptBlock {
    $base = [Microsoft.Win32.RegistryKey]::OpenBaseKey([Microsoft.Win32.RegistryHive]::LocalMachine, [Microsoft.Win32.RegistryView]::Registry64)
    try {
        $result = @{ key_present = $false; install = $null; sp = $null; version = $null }
        $key = $base.OpenSubKey('SOFTWARE\Microsoft\NET Framework Setup\NDP\v3.5')
        if ($null -ne $key) {
            $result.key_present = $true
            $install = $key.GetValue('Install')
            $sp = $key.GetValue('SP')
            if ($null -ne $install) { $result.install = [int]$install }
            if ($null -ne $sp) { $result.sp = [int]$sp }
            $version = $key.GetValue('Version')
            if ($null -ne $version) { $result.version = [string]$version }
            $key.Dispose()
        }
        $result
    }
    finally { $base.Dispose() }
}
# App Paths of each browser: per machine in the 64-bit and the 32-bit (WOW6432Node) registry views, and per user in
# every loaded user hive (HKU\<SID>: Chrome and Firefox can install per user). Read through .NET so that a key that
# cannot be read is an error, not "not installed"; the version is the file's ProductVersion (null when the file is gone).
Invoke-SafeqFactSection @section -Name 'browsers' -List -ScriptBlock {
    $appPaths = 'SOFTWARE\Microsoft\Windows\CurrentVersion\App Paths\'
    $exes = 'chrome.exe', 'firefox.exe', 'msedge.exe', 'iexplore.exe'
    $roots = @()
    foreach ($view in [Microsoft.Win32.RegistryView]::Registry64, [Microsoft.Win32.RegistryView]::Registry32) {
        $roots += @{ key = [Microsoft.Win32.RegistryKey]::OpenBaseKey([Microsoft.Win32.RegistryHive]::LocalMachine, $view); scope = 'machine'; view = [string]$view; sid = $null }
    }
    $users = [Microsoft.Win32.RegistryKey]::OpenBaseKey([Microsoft.Win32.RegistryHive]::Users, [Microsoft.Win32.RegistryView]::Registry64)
    foreach ($sid in $users.GetSubKeyNames()) {
        if ($sid -like 'S-1-5-21-*' -and $sid -notlike '*_Classes') {
            $hive = $users.OpenSubKey($sid)
            if ($null -ne $hive) { $roots += @{ key = $hive; scope = 'user'; view = 'Registry64'; sid = $sid } }
        }
    }
    $seen = @{}
    try {
        foreach ($root in $roots) {
            foreach ($exe in $exes) {
                $key = $root.key.OpenSubKey($appPaths + $exe)
                if ($null -eq $key) { continue }
                $path = ([string]$key.GetValue('')).Trim('"')
                $key.Dispose()
                if (-not $path -or $seen.ContainsKey($path.ToLowerInvariant())) { continue }
                $seen[$path.ToLowerInvariant()] = $true
                $version = $null
                if (Test-Path -LiteralPath $path -PathType Leaf) { $version = (Get-Item -LiteralPath $path).VersionInfo.ProductVersion }
                @{ name = $exe; path = $path; version = $version; scope = $root.scope; view = $root.view; user_sid = $root.sid }
            }
        }
    }
    finally {
        foreach ($root in $roots) { $root.key.Dispose() }
        $users.Dispose()
    }
}
# InstalledOn is returned as the raw WMI string: Get-HotFix's InstalledOn getter parses it with the current culture
# (it throws or swaps day and month on de-DE or en-GB). Python parses the raw value.
Invoke-SafeqFactSection @section -Name 'hotfixes' -List -ScriptBlock {
    Get-CimInstance -ClassName Win32_QuickFixEngineering | ForEach-Object {
        @{ id = [string]$_.HotFixID; description = [string]$_.Description; installed_on_raw = [string]$_.CimInstanceProperties['InstalledOn'].Value }
    }
}
# The servicing store's own install times, an unambiguous source beside InstalledOn: the update packages of CBS
# (Package_for_KB*, Package_for_RollupFix*, Package_for_ServicingStack*) with their CurrentState (112 = installed) and
# InstallTimeHigh/InstallTimeLow, the two halves of a UTC FILETIME, as raw DWORDs; Python joins and converts them.
Invoke-SafeqFactSection @section -Name 'update_packages' -List -ScriptBlock {
    $base = [Microsoft.Win32.RegistryKey]::OpenBaseKey([Microsoft.Win32.RegistryHive]::LocalMachine, [Microsoft.Win32.RegistryView]::Registry64)
    try {
        $packages = $base.OpenSubKey('SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\Packages')
        if ($null -eq $packages) { throw [System.Management.Automation.ItemNotFoundException]'Component Based Servicing\Packages key missing' }
        foreach ($name in $packages.GetSubKeyNames()) {
            if ($name -notlike 'Package_for_KB*' -and $name -notlike 'Package_for_RollupFix*' -and $name -notlike 'Package_for_ServicingStack*') { continue }
            $key = $packages.OpenSubKey($name)
            if ($null -eq $key) { continue }
            $state = $key.GetValue('CurrentState')
            $high = $key.GetValue('InstallTimeHigh')
            $low = $key.GetValue('InstallTimeLow')
            $key.Dispose()
            @{
                name = [string]$name
                current_state = if ($null -ne $state) { [int64]$state } else { $null }
                install_time_high = if ($null -ne $high) { [int64]$high } else { $null }
                install_time_low = if ($null -ne $low) { [int64]$low } else { $null }
            }
        }
        $packages.Dispose()
    }
    finally { $base.Dispose() }
}
# Pending reboot signals (windows-fidelity.md section 6), each a raw registry presence; a key that cannot be read fails
# the section (unknown, never "no reboot"). RunOnce entries (DVDRebootSignal included) are not read: they run at the next
# logon, whether or not a restart happens, and many products leave them behind.
Invoke-SafeqFactSection @section -Name 'pending_reboot' -ScriptBlock {
    $base = [Microsoft.Win32.RegistryKey]::OpenBaseKey([Microsoft.Win32.RegistryHive]::LocalMachine, [Microsoft.Win32.RegistryView]::Registry64)
    try {
        $cbs = 'SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\'
        $wu = 'SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\'
        $exists = { param($path) $key = $base.OpenSubKey($path); if ($null -ne $key) { $key.Dispose(); $true } else { $false } }
        $session = $base.OpenSubKey('SYSTEM\CurrentControlSet\Control\Session Manager')
        $renames = @()
        foreach ($value in 'PendingFileRenameOperations', 'PendingFileRenameOperations2') {
            $renames += @($session.GetValue($value) | Where-Object { $_ })
        }
        $session.Dispose()
        $active = $base.OpenSubKey('SYSTEM\CurrentControlSet\Control\ComputerName\ActiveComputerName')
        $pending = $base.OpenSubKey('SYSTEM\CurrentControlSet\Control\ComputerName\ComputerName')
        $netlogon = $base.OpenSubKey('SYSTEM\CurrentControlSet\Services\Netlogon')
        # Install-WindowsFeature / Uninstall-WindowsFeature waiting for a restart: ServerManager's CurrentRebootAttempts key and
        # the ServerComponentCache RestartRequired value (both absent on a client SKU, which has no ServerManager).
        $serverManager = $base.OpenSubKey('SOFTWARE\Microsoft\ServerManager\ServicingStorage\ServerComponentCache')
        $restartRequired = $null
        if ($null -ne $serverManager) { $restartRequired = $serverManager.GetValue('RestartRequired'); $serverManager.Dispose() }
        # An update.exe-based installer that needs a restart sets UpdateExeVolatile non-zero.
        $updates = $base.OpenSubKey('SOFTWARE\Microsoft\Updates')
        $volatile = $null
        if ($null -ne $updates) { $volatile = $updates.GetValue('UpdateExeVolatile'); $updates.Dispose() }
        # Windows Update services waiting to be registered at the next restart: GUID subkeys of Services\Pending.
        $servicesPending = $base.OpenSubKey('SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Services\Pending')
        $servicesPendingCount = 0
        if ($null -ne $servicesPending) { $servicesPendingCount = @($servicesPending.GetSubKeyNames()).Count; $servicesPending.Dispose() }
        $result = @{
            cbs_reboot_pending = & $exists ($cbs + 'RebootPending')
            cbs_reboot_in_progress = & $exists ($cbs + 'RebootInProgress')
            cbs_packages_pending = & $exists ($cbs + 'PackagesPending')
            wu_reboot_required = & $exists ($wu + 'RebootRequired')
            wu_post_reboot_reporting = & $exists ($wu + 'PostRebootReporting')
            file_rename_operations = $renames.Count
            active_computer_name = [string]$active.GetValue('ComputerName')
            pending_computer_name = [string]$pending.GetValue('ComputerName')
            domain_join_pending = ($null -ne $netlogon.GetValue('JoinDomain')) -or ($null -ne $netlogon.GetValue('AvoidSpnSet'))
            server_manager_reboot_attempts = & $exists 'SOFTWARE\Microsoft\ServerManager\CurrentRebootAttempts'
            server_component_restart_required = if ($null -ne $restartRequired) { [string]$restartRequired } else { $null }
            update_exe_volatile = if ($null -ne $volatile) { [int64]$volatile } else { $null }
            wu_services_pending = $servicesPendingCount
        }
        $active.Dispose()
        $pending.Dispose()
        $netlogon.Dispose()
        $result
    }
    finally { $base.Dispose() }
}
# The node's clock as milliseconds since 1970-01-01 UTC (from UTC ticks: no culture, no time zone); Python compares it
# with the controller's time around the task.
Invoke-SafeqFactSection @section -Name 'clock' -ScriptBlock {
    @{ utc_epoch_ms = [int64](([DateTime]::UtcNow.Ticks - 621355968000000000) / 10000) }
}
# Only when asked (slow): the Windows Update Agent's searcher for software updates that are not installed, against the
# node's configured source (WSUS or Microsoft Update). Search only: no downloader, no installer. Asynchronous
# (BeginSearch, polled until windows_update_timeout, then RequestAbort); a timeout, an offline node or an unreachable WSUS
# fail the section (HResult kept).
# Categories are returned by CategoryID (GUIDs; their names are localised), severity as MsrcSeverity (not localised).
if ($module.Params.windows_update_search) {
    Invoke-SafeqFactSection @section -Name 'windows_update' -ScriptBlock {
        # The WSUS policy (64-bit view): with AU\UseWUServer = 1 the search asks WUServer, which offers only the updates
        # approved on it. IUpdateSearcher.ServerSelection cannot tell: it reads 0 (default) on a fresh searcher.
        $base = [Microsoft.Win32.RegistryKey]::OpenBaseKey([Microsoft.Win32.RegistryHive]::LocalMachine, [Microsoft.Win32.RegistryView]::Registry64)
        try {
            $wsusServer = $null
            $useWuServer = $null
            $policy = $base.OpenSubKey('SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate')
            if ($null -ne $policy) {
                $wsusServer = $policy.GetValue('WUServer')
                $policy.Dispose()
            }
            $au = $base.OpenSubKey('SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate\AU')
            if ($null -ne $au) {
                $useWuServer = $au.GetValue('UseWUServer')
                $au.Dispose()
            }
        }
        finally { $base.Dispose() }
        $wsus = @{
            server = if ($null -ne $wsusServer) { [string]$wsusServer } else { $null }
            use_wu_server = if ($null -ne $useWuServer) { [int64]$useWuServer } else { $null }
        }
        $session = New-Object -ComObject Microsoft.Update.Session
        $searcher = $session.CreateUpdateSearcher()
        # IUpdateSearcher.BeginSearch, polled: a synchronous Search() blocks its thread inside the COM call for as long as the
        # service takes, so no timeout around it (a runspace, a job) can end the search itself. BeginSearch refuses a null
        # callback (E_POINTER) and takes an IUnknown; a script cannot implement ISearchCompletedCallback without Add-Type,
        # but WUA also accepts an automation object and calls its DISPID 0, which the COM-callable wrapper of a .NET object
        # maps to ToString(). So the callback is a plain System.Object that does nothing, and completion is read from
        # ISearchJob.IsCompleted (the state object comes back as ISearchJob.AsyncState).
        $callback = New-Object -TypeName System.Object
        $timeout = [int]$module.Params.windows_update_timeout
        $job = $searcher.BeginSearch("IsInstalled=0 and Type='Software'", $callback, 'safeq.preflight windows_update_search')
        $deadline = [DateTime]::UtcNow.AddSeconds($timeout)
        while (-not $job.IsCompleted -and [DateTime]::UtcNow -lt $deadline) {
            # Thread.Join with a timeout pumps COM messages on an STA thread (Thread.Sleep does not), so a callback or a
            # proxy call that needs this apartment is never held up by the wait
            $null = [System.Threading.Thread]::CurrentThread.Join(250)
        }
        if (-not $job.IsCompleted) {
            $job.RequestAbort()
            # CleanUp waits for the operation to complete before it releases the callbacks: called only once the abort
            # took (a few seconds at most), never on a job that is still stuck, so the module's time stays bounded.
            $grace = [DateTime]::UtcNow.AddSeconds(10)
            while (-not $job.IsCompleted -and [DateTime]::UtcNow -lt $grace) { $null = [System.Threading.Thread]::CurrentThread.Join(250) }
            $aborted = [bool]$job.IsCompleted
            if ($aborted) { $job.CleanUp() }
            throw [System.TimeoutException]("the Windows Update search did not complete within $timeout seconds (RequestAbort sent; " +
                $(if ($aborted) { 'the job stopped and was cleaned up)' } else { 'the job had not stopped 10 seconds later and was left to the module''s exit)' }))
        }
        try { $found = $searcher.EndSearch($job) }
        finally { $job.CleanUp() }
        @{
            result_code = [int]$found.ResultCode
            updates = @(foreach ($update in $found.Updates) {
                    @{
                        title = [string]$update.Title
                        kb = @($update.KBArticleIDs | ForEach-Object { [string]$_ })
                        severity = [string]$update.MsrcSeverity
                        categories = @($update.Categories | ForEach-Object { [string]$_.CategoryID })
                    }
                })
            wsus = $wsus
        }
    }
}
Invoke-SafeqFactSection @section -Name 'hardware' -ScriptBlock {
    $computer = Get-CimInstance -ClassName Win32_ComputerSystem
    $disk = Get-CimInstance -ClassName Win32_LogicalDisk -Filter "DeviceID='$env:SystemDrive'"
    @{
        logical_processors = [int]$computer.NumberOfLogicalProcessors
        memory_bytes = [int64]$computer.TotalPhysicalMemory
        system_drive = $env:SystemDrive
        disk_free_bytes = [int64]$disk.FreeSpace
        disk_size_bytes = [int64]$disk.Size
        # Every local fixed disk (DriveType 3): Python picks the drive of install_dir.
        fixed_disks = @(Get-CimInstance -ClassName Win32_LogicalDisk -Filter 'DriveType=3' | ForEach-Object {
                @{ drive = [string]$_.DeviceID; free_bytes = [int64]$_.FreeSpace; size_bytes = [int64]$_.Size }
            })
    }
}
Invoke-SafeqFactSection @section -Name 'adapters' -List -ScriptBlock {
    Get-CimInstance -ClassName Win32_NetworkAdapterConfiguration -Filter 'IPEnabled=True' | ForEach-Object {
        @{ description = [string]$_.Description; dhcp_enabled = [bool]$_.DHCPEnabled; addresses = @($_.IPAddress | Where-Object { $_ }) }
    }
}
# Forward (A) and reverse (PTR) DNS of the node's FQDN, asked of the DNS servers (-DnsOnly: not the hosts file, not
# the node's own-name answer). A failed query is kept with its locale-independent error id, for Python to judge.
Invoke-SafeqFactSection @section -Name 'dns' -ScriptBlock {
    $domain = [System.Net.NetworkInformation.IPGlobalProperties]::GetIPGlobalProperties().DomainName
    $fqdn = $env:COMPUTERNAME
    if ($domain) { $fqdn = $fqdn + '.' + $domain }
    $result = @{ fqdn = $fqdn; forward = @(); forward_error = $null; reverse = @() }
    try {
        $result.forward = @(Resolve-DnsName -Name $fqdn -Type A -DnsOnly -QuickTimeout | Where-Object { $_.Type -eq 'A' } | ForEach-Object { [string]$_.IPAddress })
    }
    catch { $result.forward_error = [string]$_.FullyQualifiedErrorId }
    $addresses = @(Get-CimInstance -ClassName Win32_NetworkAdapterConfiguration -Filter 'IPEnabled=True' | ForEach-Object { $_.IPAddress } |
            Where-Object { $_ -and $_ -notlike '*:*' })
    $result.reverse = @(foreach ($address in $addresses) {
        $entry = @{ address = [string]$address; names = @(); error = $null }
        try {
            $entry.names = @(Resolve-DnsName -Name $address -Type PTR -DnsOnly -QuickTimeout | Where-Object { $_.Type -eq 'PTR' } |
                    ForEach-Object { [string]$_.NameHost })
        }
        catch { $entry.error = [string]$_.FullyQualifiedErrorId }
        $entry
    })
    $result
}
# A server without Defender (2012 R2, or the feature removed) fails here: the error's HResult/category says why.
Invoke-SafeqFactSection @section -Name 'defender' -ScriptBlock {
    $status = Get-MpComputerStatus
    $preference = Get-MpPreference
    @{
        realtime = [bool]$status.RealTimeProtectionEnabled
        running_mode = [string]$status.AMRunningMode
        exclusions = @($preference.ExclusionPath | Where-Object { $_ })
    }
}
# Antivirus file-system filter drivers: services whose load-order Group is "FSFilter Anti-Virus" (Defender's WdFilter
# and every third-party on-access scanner register there); raw registry values, never localised.
Invoke-SafeqFactSection @section -Name 'av_filters' -List -ScriptBlock {
    $base = [Microsoft.Win32.RegistryKey]::OpenBaseKey([Microsoft.Win32.RegistryHive]::LocalMachine, [Microsoft.Win32.RegistryView]::Registry64)
    try {
        $services = $base.OpenSubKey('SYSTEM\CurrentControlSet\Services')
        foreach ($name in $services.GetSubKeyNames()) {
            $key = $services.OpenSubKey($name)
            if ($null -eq $key) { continue }
            if ([string]$key.GetValue('Group') -eq 'FSFilter Anti-Virus') {
                $start = $key.GetValue('Start')
                @{ name = [string]$name; display_name = [string]$key.GetValue('DisplayName'); start = if ($null -ne $start) { [int]$start } else { $null } }
            }
            $key.Dispose()
        }
        $services.Dispose()
    }
    finally { $base.Dispose() }
}
# The share is read as the task's user: with become (runas) and a password that is a full logon with network credentials.
Invoke-SafeqFactSection @section -Name 'share' -ScriptBlock {
    $share = $module.Params.share
    if ($share) {
        $result = @{ path = $share; exists = $false; listable = $false; error = $null; hresult = $null; category = $null; smb_reachable = $null }
        # Bound the wait: an SMB server that does not answer makes Test-Path hang for the SMB timeout (tens of seconds).
        # TCP 445 is tried first for at most 3 s; only a server that answers is listed.
        $server = ($share.TrimStart('\\') -split '\\')[0]
        $client = New-Object -TypeName System.Net.Sockets.TcpClient
        try {
            $pending = $client.BeginConnect($server, 445, $null, $null)
            $result.smb_reachable = [bool]($pending.AsyncWaitHandle.WaitOne(3000) -and $client.Connected)
        }
        catch {
            $detail = Get-SafeqErrorDetail -ErrorRecord $_
            $result.smb_reachable = $false
            $result.error = $detail.message
            $result.hresult = $detail.hresult
            $result.category = $detail.category
        }
        finally { $client.Close() }
        if (-not $result.smb_reachable) {
            if (-not $result.error) { $result.error = "TCP 445 on $server did not answer within 3 seconds" }
            return $result
        }
        try {
            $result.exists = [bool](Test-Path -LiteralPath $share)
            $null = Get-ChildItem -LiteralPath $share -Force | Select-Object -First 1
            $result.listable = $true
        }
        catch {
            $detail = Get-SafeqErrorDetail -ErrorRecord $_
            $result.error = $detail.message
            $result.hresult = $detail.hresult
            $result.category = $detail.category
        }
        $result
    }
}
# Windows Firewall (the network matrix's evidence for least-privilege rows, and its advisory): profiles, stealth mode and the
# enabled inbound rules, each part with its own error (Get-SafeqFirewallFacts in _SafeqGather.psm1).
Invoke-SafeqFactSection @section -Name 'firewall' -ScriptBlock { Get-SafeqFirewallFacts }
$facts.errors = $errors
$facts.error_details = $details
$module.Result.facts = $facts
$module.ExitJson()
