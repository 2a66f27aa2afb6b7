#!powershell

# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

#AnsibleRequires -CSharpUtil Ansible.Basic

# Temporary TCP listeners and UDP echo responders for the network matrix of safeq.preflight.network.
# With duration_s 0 it binds each port here, reports and closes at once (a conflict check). Otherwise the listener runs in a
# powershell.exe of its own, started with Win32_Process.Create, so that it is outside the WinRM shell's job object (which kills
# what a task starts when the task's shell closes): that process binds each free port (exclusive, never taking over a port in
# use), reports its binds to this module over a named pipe, then accepts and closes TCP connections and echoes UDP datagrams
# until duration_s has passed (its own timer) and exits. This module returns once the binds are reported, so every port it
# reports as listening is bound and listening when the task ends. It writes no file and creates no service, scheduled task or
# firewall rule. It decides nothing: Python judges the probes.

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
        ready_timeout_s = @{ type = 'int'; default = 30 }
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
$readyTimeout = [int]$module.Params.ready_timeout_s
if ($readyTimeout -lt 1 -or $readyTimeout -gt 600) {
    $module.FailJson("ready_timeout_s: $readyTimeout is outside 1-600 seconds")
}
$address = $null
$text = [string]$module.Params.bind_address
# TryParse also takes shorthands ('10.1' is 10.0.0.1): an IPv4 address must read back as written.
if (-not [Net.IPAddress]::TryParse($text, [ref]$address) -or
    ($address.AddressFamily -eq [Net.Sockets.AddressFamily]::InterNetwork -and $address.ToString() -ne $text)) {
    $module.FailJson("bind_address: '$text' is not an IP address")
}
$seen = @{}
$ports = @(foreach ($item in $module.Params.ports) {
        $port = [int]$item.port
        if ($port -lt 1 -or $port -gt 65535) { $module.FailJson("ports: $port is outside 1-65535") }
        # a port listed twice is bound once (a second bind would conflict with this listener's own socket)
        if (-not $seen.ContainsKey("$($item.proto)/$port")) {
            $seen["$($item.proto)/$port"] = $true
            @{ port = $port; proto = [string]$item.proto }
        }
    })

function Get-PortHolder {
    # The process that holds a port (NetTCPIP, Windows Server 2012 and later); PID 4 is the kernel (http.sys). Only an
    # endpoint of the bind's address family that overlaps the bind can be the holder (a [::] listener does not block 0.0.0.0).
    param([string]$Proto, [int]$Port, [Net.IPAddress]$BindAddress)
    $family = $BindAddress.AddressFamily
    $wildcards = @('0.0.0.0', '::')
    $endpoint = $null
    try {
        if ($Proto -eq 'tcp') {
            $found = Get-NetTCPConnection -LocalPort $Port -State Listen -ErrorAction Stop
        }
        else {
            $found = Get-NetUDPEndpoint -LocalPort $Port -ErrorAction Stop
        }
        $endpoint = $found | Where-Object {
            $local = $null
            [Net.IPAddress]::TryParse([string]$_.LocalAddress, [ref]$local) -and $local.AddressFamily -eq $family -and
            ($wildcards -contains [string]$BindAddress -or $wildcards -contains [string]$_.LocalAddress -or $local.Equals($BindAddress))
        } | Select-Object -First 1
    }
    catch {
        # No endpoint at all is CIM's ObjectNotFound (locale-independent); anything else (NetTCPIP missing, access denied) is
        # an error of the lookup, named by its category and id: the holder stays unknown either way.
        if ($_.CategoryInfo.Category -eq [Management.Automation.ErrorCategory]::ObjectNotFound) {
            return @{ pid = $null; name = $null; address = $null; lookup_error = 'no endpoint found' }
        }
        return @{ pid = $null; name = $null; address = $null
            lookup_error = "$($_.CategoryInfo.Category) ($($_.FullyQualifiedErrorId)): $($_.Exception.Message)" }
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

function Invoke-SafeqListener {
    # The listener itself, self-contained: Start-SafeqDetachedListener runs this function's text in a process of its own.
    # Binds every port exclusively (a port another program holds, even with SO_REUSEADDR, is never shared or taken over),
    # hands the outcome per port to $Report, then serves until $Duration seconds have passed and closes every socket.
    param([object[]]$Ports, [int]$Duration, [string]$BindAddress, [scriptblock]$Report)
    $ErrorActionPreference = 'Stop'
    $bindTo = [Net.IPAddress]::Parse($BindAddress)
    $bound = [Collections.Generic.List[object]]@()
    $results = [Collections.Generic.List[object]]@()
    foreach ($item in $Ports) {
        $port = [int]$item.port
        $proto = [string]$item.proto
        $entry = @{ port = $port; proto = $proto; state = 'listening'; socket_error = $null; holder = $null; message = '' }
        if ($Duration -eq 0) { $entry.state = 'bound' }
        try {
            if ($proto -eq 'tcp') {
                $listener = New-Object -TypeName Net.Sockets.TcpListener -ArgumentList $bindTo, $port
                $listener.ExclusiveAddressUse = $true
                # The system's largest backlog (SOMAXCONN): every peer of a large cluster connects to each port at about the same
                # time, and the loop below accepts every 50 ms; a full backlog would refuse or drop a peer (a false fail).
                $listener.Start([int][Net.Sockets.SocketOptionName]::MaxConnections)
                $bound.Add(@{ proto = 'tcp'; socket = $listener })
            }
            else {
                $udp = New-Object -TypeName Net.Sockets.UdpClient -ArgumentList $bindTo.AddressFamily
                $udp.ExclusiveAddressUse = $true
                $udp.Client.Bind((New-Object -TypeName Net.IPEndPoint -ArgumentList $bindTo, $port))
                $bound.Add(@{ proto = 'udp'; socket = $udp })
            }
        }
        catch [Net.Sockets.SocketException] {
            $code = $_.Exception.SocketErrorCode
            $entry.socket_error = [int]$_.Exception.ErrorCode
            $entry.message = $_.Exception.Message
            # 10048 in use; 10013 reserved (an excluded port range, or a port another socket holds exclusively).
            if ($code -eq [Net.Sockets.SocketError]::AddressAlreadyInUse -or $code -eq [Net.Sockets.SocketError]::AccessDenied) {
                $entry.state = 'conflict'
            }
            else {
                $entry.state = 'error'
            }
        }
        $results.Add($entry)
    }
    try {
        & $Report $results.ToArray()
        # Serve until the timer runs out: accept and close TCP connections (the handshake is the proof), echo UDP datagrams.
        $accepted = [Collections.Generic.List[object]]@()
        $clock = [Diagnostics.Stopwatch]::StartNew()
        while ($clock.Elapsed.TotalSeconds -lt $Duration) {
            foreach ($socket in $bound) {
                if ($socket.proto -eq 'tcp') {
                    while ($socket.socket.Pending()) {
                        $accepted.Add(@{ client = $socket.socket.AcceptTcpClient(); at = $clock.Elapsed.TotalSeconds })
                    }
                }
                else {
                    # Poll, not Available: an empty datagram (the Time protocol's request on UDP 37) leaves Available at 0.
                    while ($socket.socket.Client.Poll(0, [Net.Sockets.SelectMode]::SelectRead)) {
                        $remote = New-Object -TypeName Net.IPEndPoint -ArgumentList ([Net.IPAddress]::Any), 0
                        try {
                            $data = $socket.socket.Receive([ref]$remote)
                            [void]$socket.socket.Send($data, $data.Length, $remote)
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
}

function Start-SafeqDetachedListener {
    # Runs Invoke-SafeqListener in a powershell.exe started with Win32_Process.Create (its parent is the WMI provider host, so
    # it is outside the WinRM shell's job object and outlives this task). The two talk over a named pipe with a random name
    # that only this account may open: this side writes the parameters, the listener writes back its binds. Returns
    # @{ pid; ports (or $null: no report within the timeout, the process was stopped); error }.
    param([object[]]$Ports, [int]$Duration, [string]$BindAddress, [int]$TimeoutSeconds)
    $utf8 = New-Object -TypeName Text.UTF8Encoding -ArgumentList $false
    $pipeName = 'safeq-preflight-listener-' + [Guid]::NewGuid().ToString()
    $security = New-Object -TypeName IO.Pipes.PipeSecurity
    $account = [Security.Principal.WindowsIdentity]::GetCurrent().User
    $rule = New-Object -TypeName IO.Pipes.PipeAccessRule -ArgumentList $account, ([IO.Pipes.PipeAccessRights]::FullControl),
    ([Security.AccessControl.AccessControlType]::Allow)
    $security.AddAccessRule($rule)
    $pipeArguments = @($pipeName, [IO.Pipes.PipeDirection]::InOut, 1, [IO.Pipes.PipeTransmissionMode]::Byte,
        [IO.Pipes.PipeOptions]::Asynchronous, 65536, 65536, $security)
    if ($PSVersionTable.PSEdition -eq 'Core') {
        # .NET (PowerShell 7) has no constructor that takes a PipeSecurity: NamedPipeServerStreamAcl.Create does the same
        $server = [IO.Pipes.NamedPipeServerStreamAcl]::Create($pipeArguments[0], $pipeArguments[1], $pipeArguments[2], $pipeArguments[3],
            $pipeArguments[4], $pipeArguments[5], $pipeArguments[6], $pipeArguments[7])
    }
    else {
        $server = New-Object -TypeName IO.Pipes.NamedPipeServerStream -ArgumentList $pipeArguments
    }
    $child = @"
`$ErrorActionPreference = 'Stop'
function Invoke-SafeqListener {$((Get-Command -Name Invoke-SafeqListener).ScriptBlock.ToString())}
`$utf8 = New-Object -TypeName Text.UTF8Encoding -ArgumentList `$false
`$pipe = New-Object -TypeName IO.Pipes.NamedPipeClientStream -ArgumentList '.', '$pipeName', ([IO.Pipes.PipeDirection]::InOut)
`$pipe.Connect(30000)
`$reader = New-Object -TypeName IO.StreamReader -ArgumentList `$pipe, `$utf8
`$writer = New-Object -TypeName IO.StreamWriter -ArgumentList `$pipe, `$utf8
`$writer.AutoFlush = `$true
try {
    `$params = ConvertFrom-Json -InputObject `$reader.ReadLine()
    `$report = { param(`$ports) `$writer.WriteLine((ConvertTo-Json -InputObject @{ ports = @(`$ports) } -Compress -Depth 4)); `$pipe.Dispose() }
    Invoke-SafeqListener -Ports @(`$params.ports) -Duration ([int]`$params.duration) -BindAddress ([string]`$params.bind_address) -Report `$report
}
catch {
    if (`$pipe.IsConnected) { `$writer.WriteLine((ConvertTo-Json -InputObject @{ error = [string]`$_.Exception.Message } -Compress)) }
    exit 1
}
"@
    $clock = [Diagnostics.Stopwatch]::StartNew()  # ready_timeout_s bounds the whole start: WMI, the connection and the report
    $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($child))
    $commandLine = '"{0}" -NoProfile -NonInteractive -EncodedCommand {1}' -f (Get-SafeqPowerShellPath), $encoded
    try {
        try {
            $startup = New-CimInstance -ClassName Win32_ProcessStartup -ClientOnly -Property @{ ShowWindow = [uint16]0 }
            $created = Invoke-CimMethod -ClassName Win32_Process -MethodName Create -OperationTimeoutSec $TimeoutSeconds -Arguments @{
                CommandLine = $commandLine; ProcessStartupInformation = $startup
            }
        }
        catch [Microsoft.Management.Infrastructure.CimException] {
            # WMI refused or broke (access denied 0x80041003, RPC errors, a timeout): named by HResult and native code.
            return @{ pid = $null; ports = $null; error = ('Win32_Process.Create failed: HResult 0x{0:X8}, {1}: {2}' -f
                    $_.Exception.HResult, $_.Exception.NativeErrorCode, $_.Exception.Message) }
        }
        if ($created.ReturnValue -ne 0) {
            # 2 access denied, 3 insufficient privilege, 8 unknown failure, 9 path not found, 21 invalid parameter
            return @{ pid = $null; ports = $null; error = "Win32_Process.Create returned $($created.ReturnValue)" }
        }
        $childId = [int]$created.ProcessId
        $left = { [Math]::Max(0, [int]($TimeoutSeconds * 1000 - $clock.ElapsedMilliseconds)) }
        $connecting = $server.BeginWaitForConnection($null, $null)
        if (-not $connecting.AsyncWaitHandle.WaitOne((& $left))) {
            return (Stop-SafeqListenerProcess -ProcessId $childId -Why ("it did not connect within $TimeoutSeconds s (an attack " +
                'surface reduction rule or EDR that blocks processes started through WMI, or Constrained Language Mode, stops it)'))
        }
        $server.EndWaitForConnection($connecting)
        $writer = New-Object -TypeName IO.StreamWriter -ArgumentList $server, $utf8
        $writer.AutoFlush = $true
        $writer.WriteLine((ConvertTo-Json -InputObject @{ ports = $Ports; duration = $Duration; bind_address = $BindAddress } -Compress -Depth 4))
        $reader = New-Object -TypeName IO.StreamReader -ArgumentList $server, $utf8
        $reading = $reader.ReadLineAsync()
        if (-not $reading.Wait([Math]::Max(1000, (& $left)))) {
            return (Stop-SafeqListenerProcess -ProcessId $childId -Why "it did not report its binds within $TimeoutSeconds s")
        }
        if ($null -eq $reading.Result) {
            return (Stop-SafeqListenerProcess -ProcessId $childId -Why 'it closed the pipe without reporting its binds')
        }
        $answer = ConvertFrom-Json -InputObject $reading.Result
        if ($answer.PSObject.Properties['error']) {
            return @{ pid = $childId; ports = $null; error = "the listener process failed: $($answer.error)" }
        }
        return @{ pid = $childId; ports = @($answer.ports); error = $null }
    }
    finally {
        $server.Dispose()
    }
}

function Get-SafeqPowerShellPath {
    # The PowerShell the listener runs in: the module's own ($PSHOME, so the 32-bit one where the module runs 32-bit).
    $exe = 'powershell.exe'
    if ($PSVersionTable.PSEdition -eq 'Core') { $exe = 'pwsh.exe' }
    Join-Path -Path $PSHOME -ChildPath $exe
}

function Stop-SafeqListenerProcess {
    # A listener that did not report in time is stopped, so no socket stays open that the run does not know of.
    param([int]$ProcessId, [string]$Why)
    $message = "the listener process (pid $ProcessId) was stopped: $Why"
    try { Stop-Process -Id $ProcessId -Force -ErrorAction Stop }
    catch [Microsoft.PowerShell.Commands.ProcessCommandException] {
        $message += ' (it had already ended)'
    }
    catch {
        $message = "the listener process (pid $ProcessId) could not be stopped ($($_.CategoryInfo.Category), " +
        "$($_.FullyQualifiedErrorId)): $Why; it ends by its own timer"
    }
    return @{ pid = $ProcessId; ports = $null; error = $message }
}

$process = @{ pid = $PID; path = (Get-Process -Id $PID).Path }
$startError = $null
if ($ports.Count -eq 0) {
    $results = @()
}
elseif ($duration -eq 0) {
    $results = @(Invoke-SafeqListener -Ports $ports -Duration 0 -BindAddress ([string]$address) -Report { param($found) $found })
}
else {
    $started = Start-SafeqDetachedListener -Ports $ports -Duration $duration -BindAddress ([string]$address) -TimeoutSeconds $readyTimeout
    $process = @{ pid = $started.pid; path = (Get-SafeqPowerShellPath) }
    $startError = $started.error
    if ($null -ne $started.ports) {
        $results = @(foreach ($item in $started.ports) {
                @{ port = [int]$item.port; proto = [string]$item.proto; state = [string]$item.state; socket_error = $item.socket_error
                    holder = $null; message = [string]$item.message }
            })
    }
    else {
        # No report: no port counts as listening (the process was stopped, or never started).
        $results = @(foreach ($item in $ports) {
                @{ port = $item.port; proto = $item.proto; state = 'not-ready'; socket_error = $null; holder = $null; message = $startError }
            })
    }
}
foreach ($entry in $results) {
    if ($entry.state -eq 'conflict') { $entry.holder = Get-PortHolder -Proto $entry.proto -Port $entry.port -BindAddress $address }
}

$module.Result.changed = $false
$module.Result.facts = @{
    ports = $results
    bind_address = [string]$address
    duration_s = $duration
    process = $process
    start_error = $startError
}
$module.ExitJson()
