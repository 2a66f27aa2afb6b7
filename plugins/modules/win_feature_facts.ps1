#!powershell

# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

#AnsibleRequires -CSharpUtil Ansible.Basic
#AnsibleRequires -PowerShell ..module_utils._SafeqGather

# Raw facts for safeq.preflight.windows_feature_check: Windows features, services, TCP listeners and installed
# programs. It never decides a verdict. Read-only; each section in its own try/catch; only "nothing matched"
# errors (category ObjectNotFound) may mean empty.

$spec = @{
    options = @{
        features = @{ type = 'list'; elements = 'str'; default = @() }
        optional_features = @{ type = 'list'; elements = 'str'; default = @() }
        services = @{ type = 'list'; elements = 'str'; default = @() }
        ports = @{ type = 'list'; elements = 'int'; default = @() }
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
    $found = Get-Service -Name $module.Params.services -ErrorAction SilentlyContinue -ErrorVariable notFound
    Assert-SafeqOnlyNotFound -ErrorList $notFound
    $found | ForEach-Object {
        # StartType is absent on old .NET builds of Windows PowerShell: report null rather than guess.
        $startType = $null
        if ($_.PSObject.Properties['StartType']) { $startType = [string]$_.StartType }
        @{ name = [string]$_.Name; display_name = [string]$_.DisplayName; status = [string]$_.Status; start_type = $startType }
    }
}
Invoke-SafeqFactSection @section -Name 'listeners' -List -ScriptBlock {
    $wanted = @($module.Params.ports)
    $notFound = $null
    $rows = Get-NetTCPConnection -State Listen -ErrorAction SilentlyContinue -ErrorVariable notFound
    Assert-SafeqOnlyNotFound -ErrorList $notFound
    $rows | Where-Object { $wanted -contains [int]$_.LocalPort } | ForEach-Object {
        $process = $null
        $processError = $null
        # A process that ended since the listener row was read is "not found"; anything else (access denied) is an error.
        $owner = Get-Process -Id $_.OwningProcess -ErrorAction SilentlyContinue -ErrorVariable processError
        Assert-SafeqOnlyNotFound -ErrorList $processError
        if ($owner) { $process = [string]$owner.ProcessName }
        @{ port = [int]$_.LocalPort; address = [string]$_.LocalAddress; pid = [int]$_.OwningProcess; process = $process }
    }
}
# Uninstall keys of both registry views, read through .NET so that a key that cannot be read is an error, not a gap.
Invoke-SafeqFactSection @section -Name 'software' -List -ScriptBlock {
    $uninstall = 'SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall'
    foreach ($view in [Microsoft.Win32.RegistryView]::Registry64, [Microsoft.Win32.RegistryView]::Registry32) {
        $base = [Microsoft.Win32.RegistryKey]::OpenBaseKey([Microsoft.Win32.RegistryHive]::LocalMachine, $view)
        try {
            $root = $base.OpenSubKey($uninstall)
            if ($null -eq $root) { continue }
            foreach ($name in $root.GetSubKeyNames()) {
                $key = $root.OpenSubKey($name)
                if ($null -eq $key) { continue }
                $displayName = $key.GetValue('DisplayName')
                $systemComponent = $key.GetValue('SystemComponent')
                if ($displayName -and -not $systemComponent) {
                    @{
                        name = [string]$displayName
                        version = [string]$key.GetValue('DisplayVersion')
                        publisher = [string]$key.GetValue('Publisher')
                        view = [string]$view
                    }
                }
                $key.Dispose()
            }
            $root.Dispose()
        }
        finally { $base.Dispose() }
    }
}
$facts.errors = $errors
$facts.error_details = $details
$module.Result.facts = $facts
$module.ExitJson()
