#!powershell

# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

#AnsibleRequires -CSharpUtil Ansible.Basic
#AnsibleRequires -PowerShell ..module_utils._SafeqGather

# Raw socket exchanges for safeq.preflight.sql_browser_probe: it sends the bytes Python gives it and returns what
# came back, with the raw WinSock error code; it never decides a verdict. UDP sockets are connected unless
# "connected" is false, so an ICMP port-unreachable surfaces (as 10054).

$spec = @{
    options = @{
        probes = @{
            type = 'list'; elements = 'dict'; required = $true
            options = @{
                id = @{ type = 'str'; required = $true }
                proto = @{ type = 'str'; required = $true; choices = 'tcp', 'udp' }
                host = @{ type = 'str'; required = $true }
                port = @{ type = 'int'; required = $true }
                payload = @{ type = 'str'; default = '' }
                timeout_ms = @{ type = 'int'; required = $true }
                connected = @{ type = 'bool'; default = $true }
            }
        }
    }
    supports_check_mode = $true
}
$module = [Ansible.Basic.AnsibleModule]::Create($args, $spec)
$ProgressPreference = 'SilentlyContinue'
$ErrorActionPreference = 'Stop'

$results = foreach ($probe in $module.Params.probes) {
    $result = New-SafeqSocketResult -Id $probe.id
    $result.remote = $null
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $client = $null
    try {
        $bytes = [Convert]::FromBase64String($probe.payload)
        if ($probe.proto -eq 'udp') {
            $client = New-Object -TypeName Net.Sockets.UdpClient
            $client.Client.ReceiveTimeout = $probe.timeout_ms
            if ($probe.connected) {
                $client.Connect($probe.host, $probe.port)
                $null = $client.Send($bytes, $bytes.Length)
            }
            else {
                $null = $client.Send($bytes, $bytes.Length, $probe.host, $probe.port)
            }
            $remote = New-Object -TypeName Net.IPEndPoint -ArgumentList ([Net.IPAddress]::Any), 0
            $answer = $client.Receive([ref]$remote)
            $result.outcome = 'response'
            $result.response = [Convert]::ToBase64String($answer)
            $result.remote = $remote.ToString()
        }
        else {
            $client = New-Object -TypeName Net.Sockets.TcpClient
            $connect = $client.ConnectAsync($probe.host, $probe.port)
            if (-not $connect.Wait($probe.timeout_ms)) {
                throw (New-Object -TypeName Net.Sockets.SocketException -ArgumentList 10060)
            }
            $result.outcome = 'connected'
            $result.remote = [string]$client.Client.RemoteEndPoint
            if ($bytes.Length) {
                $stream = $client.GetStream()
                $stream.ReadTimeout = $probe.timeout_ms
                $stream.Write($bytes, 0, $bytes.Length)
                $buffer = New-Object -TypeName byte[] -ArgumentList 8192
                $count = 0
                try { $count = $stream.Read($buffer, 0, $buffer.Length) }
                catch { $result.message = [string](Get-SafeqInnerException -Exception $_.Exception).Message }
                if ($count -gt 0) { $result.response = [Convert]::ToBase64String($buffer, 0, $count) }
            }
        }
    }
    catch {
        $result.outcome = 'error'
        Set-SafeqSocketError -Result $result -Exception $_.Exception
    }
    finally {
        if ($client) { $client.Close() }
    }
    $result.rtt_ms = [math]::Round($clock.Elapsed.TotalMilliseconds, 1)
    $result
}
$module.Result.facts = @{ results = @($results) }
$module.ExitJson()
