# safeq-probe: windows_features v1
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Gathers raw facts for safeq.preflight.windows_feature_check: Windows features, services,
# TCP listeners and installed software. It never decides a verdict. Read-only, CLM-safe,
# Windows PowerShell 5.1 and PowerShell 7.
# Input (stdin JSON): {"features": ["Web-Server", ...], "services": ["W3SVC", "Apache*", ...], "ports": [80, 515]}
$ProgressPreference = 'SilentlyContinue'
$ErrorActionPreference = 'Stop'
$p = (@($input) -join "`n") | ConvertFrom-Json
$d = @{}
$e = @{}
# -l: the fact is a list (PowerShell unrolls one-element arrays; @() keeps them lists).
function F($n, $b, [switch]$l) {
    try {
        $v = & $b
        if ($l) { $v = @($v) }
        $d[$n] = $v
    } catch { $d[$n] = $null; $e[$n] = $_.Exception.Message }
}
F 'features' {
    @(Get-WindowsFeature -Name @($p.features) | ForEach-Object { @{ name = $_.Name; install_state = [string]$_.InstallState } })
} -l
F 'services' {
    @(Get-Service -Name @($p.services) -ErrorAction SilentlyContinue | ForEach-Object {
        @{ name = $_.Name; display_name = $_.DisplayName; status = [string]$_.Status; start_type = [string]$_.StartType }
    })
} -l
F 'listeners' {
    $w = @($p.ports | ForEach-Object { [int]$_ })
    @(Get-NetTCPConnection -State Listen -ErrorAction SilentlyContinue | Where-Object { $w -contains $_.LocalPort } | ForEach-Object {
        $n = $null
        try { $n = (Get-Process -Id $_.OwningProcess).ProcessName } catch { $n = $null }
        @{ port = [int]$_.LocalPort; address = $_.LocalAddress; pid = [int]$_.OwningProcess; process = $n }
    })
} -l
F 'software' {
    $k = 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\*', 'HKLM:\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall\*'
    @(Get-ItemProperty -Path $k -ErrorAction SilentlyContinue | Where-Object { $_.DisplayName -and -not $_.SystemComponent } |
        ForEach-Object { @{ name = [string]$_.DisplayName; version = [string]$_.DisplayVersion; publisher = [string]$_.Publisher } })
} -l
$d['errors'] = $e
@{ probe = 'windows_features'; version = 1; failed = $false; msg = ''; data = $d } | ConvertTo-Json -Compress -Depth 8
