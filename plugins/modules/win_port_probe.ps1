#!powershell

# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

#AnsibleRequires -CSharpUtil Ansible.Basic
#AnsibleRequires -PowerShell ..module_utils._SafeqGather

# Concurrent TCP/UDP probes for safeq.preflight.port_check: every socket is opened at once; it sends the bytes
# Python gives it and returns raw outcomes with WinSock error codes. It never decides a state.
# UDP sockets are connected so that an ICMP port-unreachable surfaces (as 10054). TLS: handshake, raw certificate.

$spec = @{
    options = @{
        timeout_ms = @{ type = 'int'; required = $true }
        retries = @{ type = 'int'; default = 0 }
        deadline_ms = @{ type = 'int'; required = $true }
        probes = @{
            type = 'list'; elements = 'dict'; required = $true
            options = @{
                id = @{ type = 'str'; required = $true }
                proto = @{ type = 'str'; required = $true; choices = 'tcp', 'udp' }
                host = @{ type = 'str'; required = $true }
                port = @{ type = 'int'; required = $true }
                payload = @{ type = 'str'; default = '' }
                tls = @{ type = 'bool'; default = $false }
                server_name = @{ type = 'str' }
                read = @{ type = 'bool'; default = $false }
            }
        }
    }
    supports_check_mode = $true
}
$module = [Ansible.Basic.AnsibleModule]::Create($args, $spec)
$ProgressPreference = 'SilentlyContinue'
$ErrorActionPreference = 'Stop'

$timeout = [int]$module.Params.timeout_ms
$clock = [Diagnostics.Stopwatch]::StartNew()

# Offer TLS 1.0-1.2 explicitly, and 1.3 where Schannel has it (Windows Server 2022 / Windows 11, build 20348+, with
# .NET 4.8): without an explicit list Windows PowerShell 5.1 may offer TLS 1.0 only. The server's choice is reported.
$tlsProtocols = [Security.Authentication.SslProtocols]'Tls, Tls11, Tls12'
$tlsNames = [Enum]::GetNames([Security.Authentication.SslProtocols])
if ($tlsNames -contains 'Tls13' -and [Environment]::OSVersion.Version.Build -ge 20348) {
    $tlsProtocols = $tlsProtocols -bor [Security.Authentication.SslProtocols]'Tls13'
}

Function Complete-Probe {
    param([Hashtable]$Job, [String]$Outcome, [Exception]$Exception)
    $Job.done = $true
    $Job.result.outcome = $Outcome
    $Job.result.rtt_ms = [math]::Round($clock.Elapsed.TotalMilliseconds - $Job.started, 1)
    if ($Exception) { Set-SafeqSocketError -Result $Job.result -Exception $Exception }
}

$jobs = foreach ($probe in $module.Params.probes) {
    $result = New-SafeqSocketResult -Id $probe.id
    $result.outcome = 'timeout'
    $result.address = $null
    $result.attempts = 1
    $result.tls = $null
    $job = @{ probe = $probe; done = $false; started = $clock.Elapsed.TotalMilliseconds; result = $result }
    try {
        $job.bytes = [Convert]::FromBase64String($probe.payload)
        if ($probe.proto -eq 'udp') {
            $job.client = New-Object -TypeName Net.Sockets.UdpClient
            $job.client.Connect($probe.host, $probe.port)
            $null = $job.client.Send($job.bytes, $job.bytes.Length)
            $job.task = $job.client.ReceiveAsync()
        }
        else {
            $job.client = New-Object -TypeName Net.Sockets.TcpClient
            $job.task = $job.client.ConnectAsync($probe.host, $probe.port)
        }
    }
    catch { Complete-Probe -Job $job -Outcome 'error' -Exception $_.Exception }
    $job
}
$jobs = @($jobs)

$round = 0
do {
    $roundEnd = $clock.Elapsed.TotalMilliseconds + $timeout
    do {
        $open = @()
        foreach ($job in $jobs) {
            if ($job.done) { continue }
            $task = $job.task
            if (-not $task.IsCompleted) { $open += $task; continue }
            if ($task.IsFaulted) { Complete-Probe -Job $job -Outcome 'error' -Exception $task.Exception; continue }
            if ($job.probe.proto -eq 'udp') {
                Complete-Probe -Job $job -Outcome 'response'
                $job.result.response = [Convert]::ToBase64String($task.Result.Buffer)
                $job.result.address = [string]$task.Result.RemoteEndPoint.Address
            }
            else {
                Complete-Probe -Job $job -Outcome 'connected'
            }
        }
        $left = [int]($roundEnd - $clock.Elapsed.TotalMilliseconds)
        if ($open.Count -and $left -gt 0) { $null = [Threading.Tasks.Task]::WaitAny([Threading.Tasks.Task[]]$open, $left) }
    } while ($open.Count -and $left -gt 0)
    $round++
    $again = $false
    foreach ($job in $jobs) {
        if ($job.done) { continue }
        $canRetry = $round -le $module.Params.retries -and $clock.Elapsed.TotalMilliseconds -lt $module.Params.deadline_ms
        if ($job.probe.proto -eq 'udp' -and $canRetry) {
            $null = $job.client.Send($job.bytes, $job.bytes.Length)
            $job.result.attempts++
            $again = $true
        }
        else {
            Complete-Probe -Job $job -Outcome 'timeout'
            $job.result.socket_error = 10060
        }
    }
} while ($again)

$results = foreach ($job in $jobs) {
    if ($job.result.outcome -eq 'connected' -and ($job.probe.tls -or $job.probe.read)) {
        $stream = $job.client.GetStream()
        $stream.ReadTimeout = $timeout
        try {
            if ($job.probe.tls) {
                $job.result.tls = @{ error = $null; version = $null; certificate = '' }
                $callback = [Net.Security.RemoteCertificateValidationCallback] { $true }
                $ssl = New-Object -TypeName Net.Security.SslStream -ArgumentList $stream, $false, $callback
                $ssl.AuthenticateAsClient([string]$job.probe.server_name, $null, $tlsProtocols, $false)
                $job.result.tls.version = [string]$ssl.SslProtocol
                $job.result.tls.certificate = [Convert]::ToBase64String($ssl.RemoteCertificate.GetRawCertData())
            }
            else {
                $buffer = New-Object -TypeName byte[] -ArgumentList 64
                $count = $stream.Read($buffer, 0, 64)
                if ($count) { $job.result.response = [Convert]::ToBase64String($buffer, 0, $count) }
            }
        }
        catch {
            $inner = Get-SafeqInnerException -Exception $_.Exception
            if ($job.result.tls) { $job.result.tls.error = [string]$inner.Message } else { $job.result.message = [string]$inner.Message }
        }
    }
    if ($job.client) { $job.client.Close() }
    $job.result
}
$module.Result.facts = @{ results = @($results) }
$module.ExitJson()
