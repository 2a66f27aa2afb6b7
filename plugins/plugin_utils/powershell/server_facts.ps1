# safeq-probe: server_facts v1
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Gathers raw facts for safeq.preflight.server_check. It never decides a verdict:
# Python evaluates everything it prints. Read-only, CLM-safe, PowerShell 5.1 and 7.
# Input (stdin JSON): {"share": "\\\\server\\share" or ""}
# Output: one JSON line {"probe": "server_facts", "version": 1, "failed": false, "msg": "", "data": {...}}
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
F 'user' { [Environment]::UserDomainName + '\' + [Environment]::UserName }
F 'groups' {
    @(whoami.exe /groups /fo csv /nh | ConvertFrom-Csv -Header 'n', 't', 's', 'a' |
        Where-Object { $_.s -eq 'S-1-5-32-544' -or $_.s -like 'S-1-16-*' } |
        ForEach-Object { @{ sid = $_.s; attributes = $_.a } })
} -l
F 'os' {
    $o = Get-CimInstance Win32_OperatingSystem
    @{ caption = $o.Caption; version = $o.Version; build = [int]$o.BuildNumber; product_type = [int]$o.ProductType
        architecture = $o.OSArchitecture; last_boot = $o.LastBootUpTime.ToString('o') }
}
F 'msi_version' { (Get-Item "$env:SystemRoot\System32\msi.dll").VersionInfo.ProductVersion }
F 'browsers' {
    $k = 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\App Paths\'
    @(foreach ($x in 'chrome.exe', 'firefox.exe', 'msedge.exe', 'iexplore.exe') {
        $i = Get-ItemProperty -LiteralPath ($k + $x) -ErrorAction SilentlyContinue
        if ($i -and $i.'(default)') {
            $f = $i.'(default)'.Trim('"')
            $v = $null
            if (Test-Path -LiteralPath $f) { $v = (Get-Item -LiteralPath $f).VersionInfo.ProductVersion }
            @{ name = $x; path = $f; version = $v }
        }
    })
} -l
F 'hotfixes' {
    @(Get-HotFix | Where-Object { $_.InstalledOn } | Sort-Object InstalledOn -Descending | Select-Object -First 5 |
        ForEach-Object { @{ id = $_.HotFixID; description = $_.Description; installed_on = $_.InstalledOn.ToString('yyyy-MM-dd') } })
} -l
F 'hardware' {
    $c = Get-CimInstance Win32_ComputerSystem
    $s = Get-CimInstance Win32_LogicalDisk -Filter "DeviceID='$env:SystemDrive'"
    @{ logical_processors = [int]$c.NumberOfLogicalProcessors; memory_bytes = [int64]$c.TotalPhysicalMemory
        system_drive = $env:SystemDrive; disk_free_bytes = [int64]$s.FreeSpace; disk_size_bytes = [int64]$s.Size }
}
F 'adapters' {
    @(Get-CimInstance Win32_NetworkAdapterConfiguration -Filter 'IPEnabled=True' |
        ForEach-Object { @{ description = $_.Description; dhcp_enabled = [bool]$_.DHCPEnabled; addresses = @($_.IPAddress) } })
} -l
F 'defender' {
    $m = Get-MpComputerStatus
    $r = Get-MpPreference
    @{ realtime = [bool]$m.RealTimeProtectionEnabled; exclusions = @($r.ExclusionPath) }
}
F 'share' {
    $s = [string]$p.share
    if ($s) {
        $r = @{ path = $s; exists = $false; listable = $false; error = $null }
        try {
            $r.exists = [bool](Test-Path -LiteralPath $s)
            $null = Get-ChildItem -LiteralPath $s -Force | Select-Object -First 1
            $r.listable = $true
        } catch { $r.error = $_.Exception.Message }
        $r
    }
}
$d['errors'] = $e
@{ probe = 'server_facts'; version = 1; failed = $false; msg = ''; data = $d } | ConvertTo-Json -Compress -Depth 8
