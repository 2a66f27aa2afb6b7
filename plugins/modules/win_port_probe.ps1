#!powershell

# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

#AnsibleRequires -CSharpUtil Ansible.Basic
#AnsibleRequires -PowerShell ..module_utils._SafeqGather

# The socket engine of the node for safeq.preflight.port_check and sql_browser_probe: every socket of a round is opened
# at once; it sends the bytes Python gives it and returns raw outcomes with WinSock error codes. It never decides a state.
# UDP sockets are connected (unless connected=false) so that an ICMP port-unreachable surfaces (as 10054). A connected TCP
# probe may then run a TLS handshake, read a banner, or send its payload and read one TDS packet (length-framed).
# A probe with port_from runs in a second round: its port is the first group of a regular expression (given by Python)
# matched against the first answer of the listed probes, so the SQL Browser and the instance's TDS port take one call.

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
                port = @{ type = 'int'; default = 0 }
                payload = @{ type = 'str'; default = '' }
                tls = @{ type = 'bool'; default = $false }
                server_name = @{ type = 'str' }
                read = @{ type = 'bool'; default = $false }
                framing = @{ type = 'str'; default = 'none'; choices = 'none', 'tds' }
                connected = @{ type = 'bool'; default = $true }
                port_from = @{
                    type = 'dict'
                    options = @{
                        probes = @{ type = 'list'; elements = 'str'; required = $true }
                        pattern = @{ type = 'str'; required = $true }
                    }
                }
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
# ISO-8859-1 maps every byte to one character: the pattern of port_from sees the answer's bytes unchanged.
$latin1 = [Text.Encoding]::GetEncoding(28591)

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

Function New-ProbeResult {
    param([Hashtable]$Probe, [Object]$Port)
    $result = New-SafeqSocketResult -Id $Probe.id
    $result.outcome = 'timeout'
    $result.address = $null
    $result.port = $Port
    $result.attempts = 1
    $result.tls = $null
    $result.read_end = $null
    $result.read_error = $null
    $result
}

Function Start-Probe {
    param([Hashtable]$Probe, [Int32]$Port)
    $job = @{ probe = $Probe; done = $false; started = $clock.Elapsed.TotalMilliseconds; result = New-ProbeResult -Probe $Probe -Port $Port }
    try {
        $job.bytes = [Convert]::FromBase64String($Probe.payload)
        if ($Probe.proto -eq 'udp') {
            $job.client = New-Object -TypeName Net.Sockets.UdpClient
            if ($Probe.connected) {
                $job.client.Connect($Probe.host, $Port)
                $null = $job.client.Send($job.bytes, $job.bytes.Length)
            }
            else {
                # unconnected: an answer from another address of a clustered server is accepted
                $job.target = @($Probe.host, $Port)
                $null = $job.client.Send($job.bytes, $job.bytes.Length, $Probe.host, $Port)
            }
            $job.task = $job.client.ReceiveAsync()
        }
        else {
            $job.client = New-Object -TypeName Net.Sockets.TcpClient
            $job.task = $job.client.ConnectAsync($Probe.host, $Port)
        }
    }
    catch { Complete-Probe -Job $job -Outcome 'error' -Exception $_.Exception }
    $job
}

Function Send-Datagram {
    param([Hashtable]$Job)
    if ($Job.target) { $null = $Job.client.Send($Job.bytes, $Job.bytes.Length, $Job.target[0], $Job.target[1]) }
    else { $null = $Job.client.Send($Job.bytes, $Job.bytes.Length) }
}

Function Wait-Probe {
    <# Wait for every job of a round (UDP resent to a silent port up to "retries" times before the deadline). #>
    param([Object[]]$Jobs)
    $round = 0
    do {
        $roundEnd = $clock.Elapsed.TotalMilliseconds + $timeout
        do {
            $open = @()
            foreach ($job in $Jobs) {
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
                    # ConnectAsync(name) tries the name's addresses in turn: report the one that answered
                    $job.result.address = [string]$job.client.Client.RemoteEndPoint.Address
                }
            }
            $left = [int]($roundEnd - $clock.Elapsed.TotalMilliseconds)
            if ($open.Count -and $left -gt 0) { $null = [Threading.Tasks.Task]::WaitAny([Threading.Tasks.Task[]]$open, $left) }
        } while ($open.Count -and $left -gt 0)
        $round++
        $again = $false
        foreach ($job in $Jobs) {
            if ($job.done) { continue }
            $canRetry = $round -le $module.Params.retries -and $clock.Elapsed.TotalMilliseconds -lt $module.Params.deadline_ms
            if ($job.probe.proto -eq 'udp' -and $canRetry) {
                Send-Datagram -Job $job
                $job.result.attempts++
                $again = $true
            }
            else {
                Complete-Probe -Job $job -Outcome 'timeout'
                $job.result.socket_error = 10060
            }
        }
    } while ($again)
}

Function Read-TdsPacket {
    <#
    Send the payload, then read one TDS packet: the 8-byte header's big-endian length (bytes 2-3) frames it. ReadTimeout
    bounds one Read only, so a server that trickles bytes would keep the loop going for up to 8192 reads: one deadline
    bounds the whole read (the round's timeout), and each pass waits at most the time left. read_end records how the read
    ended: complete (the whole packet), closed (the server closed), timeout (the deadline passed); an exception is
    recorded by Complete-Connected as error with the WinSock code in read_error (a silent server: 10060 on ReadTimeout).
    #>
    param([IO.Stream]$Stream, [Byte[]]$Bytes, [Hashtable]$Result)
    $Stream.Write($Bytes, 0, $Bytes.Length)
    $buffer = New-Object -TypeName byte[] -ArgumentList 8192
    $count = 0
    $want = 8
    $watch = [Diagnostics.Stopwatch]::StartNew()
    while ($count -lt $want) {
        $left = $timeout - [int]$watch.ElapsedMilliseconds
        if ($left -le 0) {
            $Result.message = 'the answer did not complete within ' + $timeout + ' ms'
            $Result.read_end = 'timeout'
            return
        }
        $Stream.ReadTimeout = $left
        $got = $Stream.Read($buffer, $count, $buffer.Length - $count)
        if ($got -le 0) {
            $Result.read_end = 'closed'
            return
        }
        $count += $got
        # what arrived before a reset or a timeout is kept (Python decides what it means)
        $Result.response = [Convert]::ToBase64String($buffer, 0, $count)
        if ($count -ge 4) { $want = [math]::Min($buffer.Length, [math]::Max(8, $buffer[2] * 256 + $buffer[3])) }
    }
    $Result.read_end = 'complete'
}

Function Complete-Connected {
    <# On a connected TCP probe: TLS handshake, banner read or framed exchange; then close the socket. #>
    param([Hashtable]$Job)
    $probe = $Job.probe
    if ($Job.result.outcome -eq 'connected' -and ($probe.tls -or $probe.read -or $probe.framing -eq 'tds')) {
        $stream = $Job.client.GetStream()
        $stream.ReadTimeout = $timeout
        $stream.WriteTimeout = $timeout
        try {
            if ($probe.tls) {
                $Job.result.tls = @{ error = $null; version = $null; certificate = '' }
                $callback = [Net.Security.RemoteCertificateValidationCallback] { $true }
                $ssl = New-Object -TypeName Net.Security.SslStream -ArgumentList $stream, $false, $callback
                $ssl.AuthenticateAsClient([string]$probe.server_name, $null, $tlsProtocols, $false)
                $Job.result.tls.version = [string]$ssl.SslProtocol
                $Job.result.tls.certificate = [Convert]::ToBase64String($ssl.RemoteCertificate.GetRawCertData())
            }
            elseif ($probe.framing -eq 'tds') {
                Read-TdsPacket -Stream $stream -Bytes $Job.bytes -Result $Job.result
            }
            else {
                $buffer = New-Object -TypeName byte[] -ArgumentList 64
                $count = $stream.Read($buffer, 0, 64)
                if ($count) { $Job.result.response = [Convert]::ToBase64String($buffer, 0, $count) }
            }
        }
        catch {
            $inner = Get-SafeqInnerException -Exception $_.Exception
            if ($Job.result.tls) { $Job.result.tls.error = [string]$inner.Message } else { $Job.result.message = [string]$inner.Message }
            if ($probe.framing -eq 'tds' -and -not $probe.tls) {
                # by WinSock code, never by the (localised) message: Python tells a silent server from a reset
                $Job.result.read_end = 'error'
                if ($inner -is [System.Net.Sockets.SocketException]) { $Job.result.read_error = [int]$inner.ErrorCode }
            }
        }
    }
    if ($Job.client) { $Job.client.Close() }
}

Function Get-DerivedPort {
    <#
    The port of a port_from probe: group 1 of its pattern in the first listed answer (ISO-8859-1 text), as
    @{ port = <1-65535> } or @{ port = $null; message = why not }. The pattern runs culture-invariant with a 1-second match
    timeout; a pattern that does not compile, a missing group or a group that is not a port 1-65535 is a message for this
    probe (not-run), never an exception that fails the whole module run or a port 0.
    #>
    param([Hashtable]$From, [Hashtable]$Results)
    $options = [Text.RegularExpressions.RegexOptions]::CultureInvariant
    try { $regex = [regex]::new([string]$From.pattern, $options, [TimeSpan]::FromSeconds(1)) }
    catch { return @{ port = $null; message = 'port_from: the pattern is not a valid regular expression (' + $_.Exception.GetType().FullName + ')' } }
    foreach ($id in $From.probes) {
        $source = $Results[$id]
        if ($null -eq $source -or $source.outcome -ne 'response' -or -not $source.response) { continue }
        $text = $latin1.GetString([Convert]::FromBase64String($source.response))
        try { $match = $regex.Match($text) }
        catch {
            # RegexMatchTimeoutException (wrapped in a MethodInvocationException): named by type, never by its localised text
            $kind = (Get-SafeqInnerException -Exception $_.Exception).GetType().FullName
            return @{ port = $null; message = 'port_from: the pattern failed on the answer of ' + $id + ' (' + $kind + ', match timeout 1 s)' }
        }
        if (-not $match.Success) { break }
        $group = $match.Groups[1]
        $port = 0
        if (-not $group.Success -or -not [int]::TryParse($group.Value, [Globalization.NumberStyles]::None,
                [Globalization.CultureInfo]::InvariantCulture, [ref]$port) -or $port -lt 1 -or $port -gt 65535) {
            return @{ port = $null; message = 'port_from: group 1 of the pattern is not a port 1-65535 in the answer of ' + $id }
        }
        return @{ port = $port }
    }
    @{ port = $null; message = 'port_from: no answer of ' + ($From.probes -join ', ') + ' matched the pattern' }
}

Function Invoke-ProbeRound {
    param([Object[]]$Probes, [Hashtable]$Results)
    $jobs = @(foreach ($entry in $Probes) { Start-Probe -Probe $entry.probe -Port $entry.port })
    Wait-Probe -Jobs $jobs
    foreach ($job in $jobs) {
        Complete-Connected -Job $job
        $Results[$job.probe.id] = $job.result
    }
}

$results = @{}
$first = @(foreach ($probe in $module.Params.probes) { if (-not $probe.port_from) { @{ probe = $probe; port = $probe.port } } })
if ($first.Count) { Invoke-ProbeRound -Probes $first -Results $results }
$second = @()
foreach ($probe in $module.Params.probes) {
    if (-not $probe.port_from) { continue }
    $derived = Get-DerivedPort -From $probe.port_from -Results $results
    if ($null -eq $derived.port) {
        $result = New-ProbeResult -Probe $probe -Port $null
        $result.outcome = 'not-run'
        $result.message = $derived.message
        $results[$probe.id] = $result
    }
    else { $second += @{ probe = $probe; port = $derived.port } }
}
if ($second.Count) { Invoke-ProbeRound -Probes $second -Results $results }

$module.Result.facts = @{ results = @(foreach ($probe in $module.Params.probes) { $results[$probe.id] }) }
$module.ExitJson()
