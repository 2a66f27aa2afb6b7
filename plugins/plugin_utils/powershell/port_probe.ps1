# safeq-probe: port_probe v1
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Concurrent TCP/UDP probes for safeq.preflight.port_check: every socket is opened at once; it sends the
# bytes Python gives it and returns raw outcomes with WinSock error codes. It never decides a state.
# UDP sockets are connected so that ICMP port-unreachable surfaces (as 10054). TLS: handshake, raw certificate.
# Needs FullLanguage mode (.NET sockets); must stay under ~3,000 characters once comments are stripped
# (the encoded command line limit). Windows PowerShell 5.1 and PowerShell 7.
# Input (stdin JSON): {"timeout_ms", "retries", "deadline_ms",
#   "probes": [{"id", "proto": "tcp"|"udp", "host", "port", "payload" (base64), "tls", "server_name", "read"}]}
$ProgressPreference = 'SilentlyContinue'
$ErrorActionPreference = 'Stop'
$p = (@($input) -join "`n") | ConvertFrom-Json
$to = [int]$p.timeout_ms
$w = [Diagnostics.Stopwatch]::StartNew()
function ms { $w.Elapsed.TotalMilliseconds }
$B = [Convert]
function Set-Outcome($j, $o, $x) {
    $j.done = $true
    $j.r.outcome = $o
    $j.r.rtt_ms = [math]::Round((ms) - $j.t0, 1)
    if ($x) {
        while ($x.InnerException) { $x = $x.InnerException }
        $j.r.message = $x.Message
        if ($x -is [Net.Sockets.SocketException]) { $j.r.socket_error = [int]$x.ErrorCode }
    }
}
$all = foreach ($q in @($p.probes)) {
    $j = @{ q = $q; done = $false; t0 = (ms)
        r = @{ id = [string]$q.id; address = $null; outcome = 'timeout'; socket_error = $null; rtt_ms = 0; attempts = 1; response = ''; tls = $null; message = '' } }
    try {
        $j.b = $B::FromBase64String([string]$q.payload)
        if ($q.proto -eq 'udp') {
            $j.c = New-Object Net.Sockets.UdpClient
            $j.c.Connect([string]$q.host, [int]$q.port)
            $null = $j.c.Send($j.b, $j.b.Length)
            $j.t = $j.c.ReceiveAsync()
        } else {
            $j.c = New-Object Net.Sockets.TcpClient
            $j.t = $j.c.ConnectAsync([string]$q.host, [int]$q.port)
        }
    } catch { Set-Outcome $j 'error' $_.Exception }
    $j
}
$k = 0
do {
    $end = (ms) + $to
    do {
        $o = @()
        foreach ($j in $all) {
            if ($j.done) { continue }
            $t = $j.t
            if (-not $t.IsCompleted) { $o += $t; continue }
            if ($t.IsFaulted) { Set-Outcome $j 'error' $t.Exception; continue }
            if ($j.q.proto -eq 'udp') {
                Set-Outcome $j 'response' $null
                $j.r.response = $B::ToBase64String($t.Result.Buffer)
                $j.r.address = [string]$t.Result.RemoteEndPoint.Address
            } else {
                Set-Outcome $j 'connected' $null
            }
        }
        $left = [int]($end - (ms))
        if ($o.Count -and $left -gt 0) { $null = [Threading.Tasks.Task]::WaitAny($o, $left) }
    } while ($o.Count -and $left -gt 0)
    $k++
    $more = $false
    foreach ($j in $all) {
        if ($j.done) { continue }
        if ($j.q.proto -eq 'udp' -and $k -le [int]$p.retries -and (ms) -lt $p.deadline_ms) {
            $null = $j.c.Send($j.b, $j.b.Length); $j.r.attempts++; $more = $true
        } else {
            Set-Outcome $j 'timeout' $null
            $j.r.socket_error = 10060
        }
    }
} while ($more)
$out = foreach ($j in $all) {
    if ($j.r.outcome -eq 'connected' -and ($j.q.tls -or $j.q.read)) {
        $n = $j.c.GetStream()
        $n.ReadTimeout = $to
        try {
            if ($j.q.tls) {
                $j.r.tls = @{ error = $null }
                $s = New-Object Net.Security.SslStream $n, $false, ([Net.Security.RemoteCertificateValidationCallback] { $true })
                $s.AuthenticateAsClient([string]$j.q.server_name)
                $j.r.tls.version = [string]$s.SslProtocol
                $j.r.tls.certificate = $B::ToBase64String($s.RemoteCertificate.GetRawCertData())
            } else {
                $buf = New-Object byte[] 64
                $k = $n.Read($buf, 0, 64)
                if ($k) { $j.r.response = $B::ToBase64String($buf, 0, $k) }
            }
        } catch {
            $x = $_.Exception
            while ($x.InnerException) { $x = $x.InnerException }
            if ($j.r.tls) { $j.r.tls.error = $x.Message } else { $j.r.message = $x.Message }
        }
    }
    if ($j.c) { $j.c.Close() }
    $j.r
}
@{ probe = 'port_probe'; version = 1; failed = $false; msg = ''; data = @{ results = @($out) } } | ConvertTo-Json -Compress -Depth 8
