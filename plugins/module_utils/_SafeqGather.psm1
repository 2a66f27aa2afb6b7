# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Shared helpers of the safeq.preflight gather modules (PRIVATE to this collection).
# Import in a module with: #AnsibleRequires -PowerShell ..module_utils._SafeqGather
# Windows PowerShell 5.1 and PowerShell 7; no Add-Type (Constrained Language Mode safe); locale-independent:
# errors are described by HResult, category and FullyQualifiedErrorId, never by their (localised) message text.

Function Get-SafeqInnerException {
    <# The innermost exception of an exception chain (socket and TLS errors arrive wrapped). #>
    param([Parameter(Mandatory = $true)][Exception]$Exception)
    while ($null -ne $Exception.InnerException) { $Exception = $Exception.InnerException }
    $Exception
}

Function Get-SafeqErrorDetail {
    <#
    .SYNOPSIS
    Locale-independent description of an error record: the message (localised, for people), the HResult,
    the error category and the FullyQualifiedErrorId (both English on every locale), for Python to classify.
    #>
    param([Parameter(Mandatory = $true)][System.Management.Automation.ErrorRecord]$ErrorRecord)
    $inner = Get-SafeqInnerException -Exception $ErrorRecord.Exception
    $detail = @{
        message = [string]$ErrorRecord.Exception.Message
        hresult = [int]$inner.HResult
        category = [string]$ErrorRecord.CategoryInfo.Category
        error_id = [string]$ErrorRecord.FullyQualifiedErrorId
        exception = [string]$inner.GetType().FullName
    }
    # A CimException's NativeErrorCode names the WMI/MI result (InvalidNamespace, AccessDenied, Failed ...), a Win32Exception's
    # is the Win32 error code: both locale-independent, and the only code some CIM failures carry.
    if ($inner.PSObject.Properties['NativeErrorCode']) { $detail.native_error = [string]$inner.NativeErrorCode }
    $detail
}

Function Invoke-SafeqFactSection {
    <#
    .SYNOPSIS
    Run one gather section in its own try/catch. The value goes to $Facts[$Name]; on an error the fact is
    $null, its message goes to $Errors[$Name] and its locale-independent details to $Details[$Name].
    -List keeps the value a list (PowerShell unrolls one-element arrays and turns an empty one into $null).
    #>
    param(
        [Parameter(Mandatory = $true)][Hashtable]$Facts,
        [Parameter(Mandatory = $true)][Hashtable]$Errors,
        [Parameter(Mandatory = $true)][Hashtable]$Details,
        [Parameter(Mandatory = $true)][String]$Name,
        [Parameter(Mandatory = $true)][ScriptBlock]$ScriptBlock,
        [Switch]$List
    )
    try {
        $value = & $ScriptBlock
        if ($List) { $value = @($value | Where-Object { $null -ne $_ }) }
        $Facts[$Name] = $value
    }
    catch {
        $Facts[$Name] = $null
        $detail = Get-SafeqErrorDetail -ErrorRecord $_
        $Errors[$Name] = $detail.message
        $Details[$Name] = $detail
    }
}

Function Assert-SafeqOnlyNotFound {
    <#
    .SYNOPSIS
    Rethrow the first error of an -ErrorVariable list that is not a "nothing matched" error.
    Only ObjectNotFound (no such service, no matching CIM object, no such registry key) may mean empty;
    anything else (access denied, provider failure) must not turn into "nothing found".
    #>
    param([AllowNull()][AllowEmptyCollection()][Object[]]$ErrorList)
    foreach ($record in @($ErrorList)) {
        if ($null -eq $record) { continue }
        if ($record -is [System.Management.Automation.ErrorRecord]) {
            if ($record.CategoryInfo.Category -eq [System.Management.Automation.ErrorCategory]::ObjectNotFound) { continue }
            throw $record
        }
        throw $record
    }
}

Function ConvertTo-SafeqInvariantDate {
    <# An ISO 8601 round-trip string of a DateTime (invariant culture), or $null. #>
    param([AllowNull()][Object]$Value)
    if ($null -eq $Value) { return $null }
    ([DateTime]$Value).ToString('o', [Globalization.CultureInfo]::InvariantCulture)
}

Function New-SafeqSocketResult {
    <# The raw outcome of one socket exchange, before it runs (shared by the port and socket probes). #>
    param([Parameter(Mandatory = $true)][String]$Id)
    @{ id = $Id; outcome = 'error'; socket_error = $null; rtt_ms = 0; response = ''; message = '' }
}

Function Set-SafeqSocketError {
    <# Record an exception on a socket result: the innermost message and, for a SocketException, its WinSock code. #>
    param([Parameter(Mandatory = $true)][Hashtable]$Result, [Parameter(Mandatory = $true)][Exception]$Exception)
    $inner = Get-SafeqInnerException -Exception $Exception
    $Result.message = [string]$inner.Message
    if ($inner -is [System.Net.Sockets.SocketException]) { $Result.socket_error = [int]$inner.ErrorCode }
}

$exportMembers = @{
    Function = 'Get-SafeqInnerException', 'Get-SafeqErrorDetail', 'Invoke-SafeqFactSection', 'Assert-SafeqOnlyNotFound',
    'ConvertTo-SafeqInvariantDate', 'New-SafeqSocketResult', 'Set-SafeqSocketError'
}
Export-ModuleMember @exportMembers
