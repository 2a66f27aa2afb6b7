# safeq-probe: socket_probe v1
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Raw socket exchanges for safeq.preflight (sql_browser_probe). It sends the bytes Python gives it and
# returns what came back, with the raw WinSock error code; it never decides a verdict.
# UDP sockets are connected unless "connected" is false, so ICMP port-unreachable surfaces (as 10054).
# Needs FullLanguage mode (.NET sockets). Windows PowerShell 5.1 and PowerShell 7.
# Input (stdin JSON): {"probes": [{"id", "proto": "udp"|"tcp", "host", "port", "payload" (base64), "timeout_ms", "connected"}]}
$ProgressPreference = 'SilentlyContinue'
$ErrorActionPreference = 'Stop'
$p = (@($input) -join "`n") | ConvertFrom-Json
$out = New-Object System.Collections.ArrayList
foreach ($q in @($p.probes)) {
    $r = @{ id = [string]$q.id; outcome = 'error'; socket_error = $null; rtt_ms = 0; response = ''; remote = $null; message = '' }
    $w = [Diagnostics.Stopwatch]::StartNew()
    $s = $null
    try {
        $b = [Convert]::FromBase64String([string]$q.payload)
        if ($q.proto -eq 'udp') {
            $s = New-Object Net.Sockets.UdpClient
            $s.Client.ReceiveTimeout = [int]$q.timeout_ms
            if ($q.connected) {
                $s.Connect([string]$q.host, [int]$q.port)
                $null = $s.Send($b, $b.Length)
            } else {
                $null = $s.Send($b, $b.Length, [string]$q.host, [int]$q.port)
            }
            $ep = New-Object Net.IPEndPoint ([Net.IPAddress]::Any), 0
            $d = $s.Receive([ref]$ep)
            $r.outcome = 'response'
            $r.response = [Convert]::ToBase64String($d)
            $r.remote = $ep.ToString()
        } else {
            $s = New-Object Net.Sockets.TcpClient
            $t = $s.ConnectAsync([string]$q.host, [int]$q.port)
            if (-not $t.Wait([int]$q.timeout_ms)) {
                throw (New-Object Net.Sockets.SocketException 10060)
            }
            $r.outcome = 'connected'
            $r.remote = [string]$s.Client.RemoteEndPoint
            if ($b.Length) {
                $n = $s.GetStream()
                $n.ReadTimeout = [int]$q.timeout_ms
                $n.Write($b, 0, $b.Length)
                $buf = New-Object byte[] 8192
                $k = 0
                try { $k = $n.Read($buf, 0, $buf.Length) } catch { $r.message = $_.Exception.Message }
                if ($k -gt 0) { $r.response = [Convert]::ToBase64String($buf, 0, $k) }
            }
        }
    } catch {
        $e = $_.Exception
        while ($e.InnerException) { $e = $e.InnerException }
        $r.outcome = 'error'
        $r.message = $e.Message
        if ($e -is [Net.Sockets.SocketException]) { $r.socket_error = [int]$e.ErrorCode }
    } finally {
        if ($s) { $s.Close() }
    }
    $r.rtt_ms = [math]::Round($w.Elapsed.TotalMilliseconds, 1)
    $null = $out.Add($r)
}
@{ probe = 'socket_probe'; version = 1; failed = $false; msg = ''; data = @{ results = @($out) } } | ConvertTo-Json -Compress -Depth 8
