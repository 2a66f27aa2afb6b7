#!powershell

# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

#AnsibleRequires -CSharpUtil Ansible.Basic

# Temporary TCP listeners and UDP echo responders for the network matrix of safeq.preflight.network.
# It binds each free port (exclusive, never taking over a port in use), accepts and closes TCP connections,
# echoes UDP datagrams, and closes everything when duration_s has passed (its own timer, in this process:
# run it with async and poll: 0, whose wrapper starts it outside the WinRM shell's job object). It writes no
# file, creates no service, scheduled task or firewall rule. It decides nothing: Python judges the probes.

$spec = @{
    options = @{
        ports = @{
            type = 'list'; elements = 'dict'; required = $true
            options = @{
                port = @{ type = 'int'; required = $true }
                proto = @{ type = 'str'; default = 'tcp'; choices = 'tcp', 'udp' }
            }
        }
        duration_s = @{ type = 'int'; default = 300 }
        bind_address = @{ type = 'str'; default = '0.0.0.0' }
    }
    supports_check_mode = $true
}
$module = [Ansible.Basic.AnsibleModule]::Create($args, $spec)
$ProgressPreference = 'SilentlyContinue'
$ErrorActionPreference = 'Stop'

$duration = [int]$module.Params.duration_s
if ($duration -lt 0 -or $duration -gt 3600) {
    $module.FailJson("duration_s: $duration is outside 0-3600 seconds")
}
$address = $null
if (-not [Net.IPAddress]::TryParse([string]$module.Params.bind_address, [ref]$address)) {
    $module.FailJson("bind_address: '$($module.Params.bind_address)' is not an IP address")
}

function Get-PortHolder {
    # The process that holds a port (NetTCPIP, Windows Server 2012 and later); PID 4 is the kernel (http.sys).
    param([string]$Proto, [int]$Port)
    $endpoint = $null
    try {
        if ($Proto -eq 'tcp') {
            $endpoint = Get-NetTCPConnection -LocalPort $Port -State Listen -ErrorAction Stop | Select-Object -First 1
        }
        else {
            $endpoint = Get-NetUDPEndpoint -LocalPort $Port -ErrorAction Stop | Select-Object -First 1
        }
    }
    catch {
        # No endpoint (CIM "No matching MSFT_NetTCPConnection objects") or NetTCPIP missing: the holder stays unknown.
        return @{ pid = $null; name = $null; address = $null; lookup_error = $_.Exception.Message }
    }
    if ($null -eq $endpoint) { return @{ pid = $null; name = $null; address = $null; lookup_error = 'no endpoint found' } }
    $owner = [int]$endpoint.OwningProcess
    $name = $null
    if ($owner -eq 4) { $name = 'System (http.sys or another kernel listener)' }
    else {
        $process = Get-Process -Id $owner -ErrorAction SilentlyContinue -ErrorVariable processError
        if ($process) { $name = $process.ProcessName }
        elseif ($processError) { $name = "process $owner (ended or not visible: $($processError[0].CategoryInfo.Category))" }
    }
    return @{ pid = $owner; name = $name; address = [string]$endpoint.LocalAddress; lookup_error = $null }
}

$bound = [Collections.Generic.List[object]]@()
$results = [Collections.Generic.List[object]]@()
foreach ($item in $module.Params.ports) {
    $port = [int]$item.port
    $proto = [string]$item.proto
    if ($port -lt 1 -or $port -gt 65535) { $module.FailJson("ports: $port is outside 1-65535") }
    $entry = @{ port = $port; proto = $proto; state = 'bound'; socket_error = $null; holder = $null; message = '' }
    try {
        if ($proto -eq 'tcp') {
            $listener = New-Object -TypeName Net.Sockets.TcpListener -ArgumentList $address, $port
            # Exclusive: a port another program holds (even with SO_REUSEADDR) is never shared or taken over.
            $listener.ExclusiveAddressUse = $true
            $listener.Start(64)
            $bound.Add(@{ proto = 'tcp'; socket = $listener })
        }
        else {
            $udp = New-Object -TypeName Net.Sockets.UdpClient
            $udp.ExclusiveAddressUse = $true
            $udp.Client.Bind((New-Object -TypeName Net.IPEndPoint -ArgumentList $address, $port))
            $bound.Add(@{ proto = 'udp'; socket = $udp })
        }
    }
    catch [Net.Sockets.SocketException] {
        $code = $_.Exception.SocketErrorCode
        $entry.socket_error = [int]$_.Exception.ErrorCode
        $entry.message = $_.Exception.Message
        if ($code -eq [Net.Sockets.SocketError]::AddressAlreadyInUse -or $code -eq [Net.Sockets.SocketError]::AccessDenied) {
            # 10048 in use; 10013 reserved (an excluded port range, or a port another socket holds exclusively).
            $entry.state = 'conflict'
            $entry.holder = Get-PortHolder -Proto $proto -Port $port
        }
        else {
            $entry.state = 'error'
        }
    }
    $results.Add($entry)
}

# Serve until the timer runs out: accept and close TCP connections (the handshake is the proof), echo UDP datagrams.
$served = @{ tcp_accepted = 0; udp_echoed = 0 }
$accepted = [Collections.Generic.List[object]]@()
$clock = [Diagnostics.Stopwatch]::StartNew()
try {
    while ($clock.Elapsed.TotalSeconds -lt $duration) {
        foreach ($socket in $bound) {
            if ($socket.proto -eq 'tcp') {
                while ($socket.socket.Pending()) {
                    $accepted.Add(@{ client = $socket.socket.AcceptTcpClient(); at = $clock.Elapsed.TotalSeconds })
                    $served.tcp_accepted++
                }
            }
            else {
                # Poll, not Available: an empty datagram (the Time protocol's request on UDP 37) leaves Available at 0.
                while ($socket.socket.Client.Poll(0, [Net.Sockets.SelectMode]::SelectRead)) {
                    $remote = New-Object -TypeName Net.IPEndPoint -ArgumentList ([Net.IPAddress]::Any), 0
                    try {
                        $data = $socket.socket.Receive([ref]$remote)
                        [void]$socket.socket.Send($data, $data.Length, $remote)
                        $served.udp_echoed++
                    }
                    catch [Net.Sockets.SocketException] {
                        # 10054: an earlier echo met an ICMP port unreachable; the next datagram is still served.
                        if ($_.Exception.ErrorCode -ne 10054) { throw }
                    }
                }
            }
        }
        # Close an accepted connection once the prober has closed its side (or after 5 s): the side that closes first keeps
        # TIME_WAIT, and on the listener's side it would make the next exclusive bind of the port fail.
        foreach ($entry in @($accepted)) {
            $peerClosed = $entry.client.Client.Poll(0, [Net.Sockets.SelectMode]::SelectRead) -and $entry.client.Available -eq 0
            if ($peerClosed -or ($clock.Elapsed.TotalSeconds - $entry.at) -gt 5) {
                $entry.client.Close()
                [void]$accepted.Remove($entry)
            }
        }
        Start-Sleep -Milliseconds 50
    }
}
finally {
    foreach ($entry in $accepted) { $entry.client.Close() }
    foreach ($socket in $bound) {
        if ($socket.proto -eq 'tcp') { $socket.socket.Stop() } else { $socket.socket.Close() }
    }
}

$module.Result.changed = $false
$module.Result.facts = @{
    ports = $results.ToArray()
    bind_address = [string]$address
    duration_s = $duration
    process = @{ pid = $PID; path = (Get-Process -Id $PID).Path }
    served = $served
}
$module.ExitJson()
