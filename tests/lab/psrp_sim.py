# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The PowerShell Remoting (PSRP) endpoint of the simulated Windows nodes (a SIMULATION).

WS-Management for the resource URI ``http://schemas.microsoft.com/powershell/Microsoft.PowerShell`` (what pypsrp and
Ansible's ``psrp`` connection plugin open), served by the same HTTP endpoint as the WinRM shell of
``tests/lab/winrm_sim.py``: ``Create`` (a Runspace Pool; the ``creationXml`` carries the client's SESSION_CAPABILITY
and INIT_RUNSPACEPOOL fragments), ``Receive`` (pool or pipeline messages on the ``stdout`` stream), ``Command`` (a
CREATE_PIPELINE fragment in ``Arguments``), ``Send`` (further fragments, pipeline input, host responses), ``Signal``
(stop a pipeline) and ``Delete``. PSRP messages are parsed and produced by psrpcore's server side
(``ServerRunspacePool``, ``ServerPipeline``); they are sized to the ``MaxEnvelopeSize`` each request names.

A pipeline is run when its input has ended: its script must be Ansible's PowerShell bootstrap (the psrp plugin runs
it in the pool instead of starting powershell.exe) and its input lines are the exec wrapper payload, which the
node's one engine (``Node.run_bootstrap``) decodes and answers from the profile, as for WinRM commands, logging one
entry with ``transport: psrp``. The answer becomes what the exec wrapper leaves in a remote pipeline: the output line
as a string on the output stream, a non-zero rc as the ``SetShouldExit`` host call, a CLIXML fault's text as an error
record. See docs/simulated-nodes.md.
"""

from __future__ import annotations

import base64
import threading
import time
import uuid

try:
    from psrpcore import (CreatePipelineEvent, EndOfPipelineInputEvent, PipelineInputEvent, PSRPPayload, ServerPipeline,
                          ServerRunspacePool, StreamType)
    from psrpcore.types import ErrorCategory, ErrorCategoryInfo, HostMethodIdentifier, NETException, PSInvocationState
except ImportError:  # pragma: no cover - the WinRM shell works without it; a PSRP request gets a fault
    ServerRunspacePool = None

RESOURCE_PREFIX = 'http://schemas.microsoft.com/powershell/'
NS = {
    's': 'http://www.w3.org/2003/05/soap-envelope',
    'w': 'http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd',
    'rsp': 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell',
}
SHELL = NS['rsp']
FAULT_ACTION = 'http://schemas.dmtf.org/wbem/wsman/1/wsman/fault'
# ERROR_WSMAN_OPERATION_TIMEDOUT: what WinRM answers a Receive that found nothing to send within OperationTimeout.
OPERATION_TIMEDOUT = 0x80338029
# ERROR_INVALID_SELECTORS / the shell or command does not exist.
INVALID_SELECTORS = 0x80338043
DEFAULT_ENVELOPE = 153600
RECEIVE_WAIT_S = 1.0


def wsman_fault(code, text):
    """The body of a WS-Management fault with its WSManFault ``Code`` (read by pypsrp's WSManFaultError)."""
    return ('<s:Fault><s:Code><s:Value>s:Receiver</s:Value></s:Code><s:Reason><s:Text xml:lang="en-US">{text}</s:Text>'
            '</s:Reason><s:Detail><f:WSManFault xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault" Code="{code}" '
            'Machine="simulation"><f:Message>{text}</f:Message></f:WSManFault></s:Detail></s:Fault>').format(code=code, text=text)


class _Shell:
    """One Runspace Pool (a WS-Management shell of the PowerShell resource) and its pipelines."""

    def __init__(self, shell_id, resource_uri):
        self.id = shell_id
        self.resource_uri = resource_uri
        self.pool = ServerRunspacePool()
        self.pipelines = {}       # pipeline id -> {'pipeline', 'script', 'is_script', 'no_input', 'input', 'ran'}
        self.outgoing = {}        # pipeline id or None (the pool) -> [payload bytes, ...]
        self.envelope = DEFAULT_ENVELOPE
        self.lock = threading.RLock()

    def budget(self):
        """Raw PSRP bytes one response may carry: base64 of them must fit the client's MaxEnvelopeSize."""
        return max(1024, (self.envelope - 4096) * 3 // 4)

    def drain(self):
        """Move what psrpcore has to send into per-target queues, each payload sized for one response."""
        while True:
            payload = self.pool.data_to_send(self.budget())
            if payload is None:
                return
            self.outgoing.setdefault(payload.pipeline_id, []).append(payload.data)

    def take(self, pipeline_id):
        """The queued payloads of one target that fit one response (at least one)."""
        queue = self.outgoing.get(pipeline_id) or []
        taken, size = [], 0
        while queue and (not taken or size + len(queue[0]) <= self.budget()):
            size += len(queue[0])
            taken.append(queue.pop(0))
        return taken


class PsrpEndpoint:
    """The PSRP side of one simulated node: its Runspace Pools, answered through ``node.run_bootstrap``."""

    def __init__(self, node, log_path=None):
        self.node = node
        self.log_path = log_path
        self.shells = {}
        self.lock = threading.Lock()

    # -- HTTP / WS-Management -------------------------------------------------------------------------------------

    def handle(self, handler, root, action, message_id, resource_uri):
        """Answer one WS-Management request of the PowerShell resource URI (``handler`` is the HTTP handler)."""
        if ServerRunspacePool is None:
            handler.reply_fault(message_id, wsman_fault(INVALID_SELECTORS, 'simulation: psrpcore is not installed'))
            return
        envelope = root.findtext('s:Header/w:MaxEnvelopeSize', namespaces=NS)
        shell = self._shell(handler, root) if action != 'create' else None
        if action != 'create' and shell is None:
            handler.reply_fault(message_id, wsman_fault(INVALID_SELECTORS, 'The request for the Windows Remote Shell with '
                                                                           'ShellId is not valid: the shell was not found.'))
            return
        if shell is not None and envelope and envelope.isdigit():
            shell.envelope = int(envelope)
        getattr(self, '_' + action)(handler, root, message_id, shell if shell is not None else resource_uri)

    def _shell(self, handler, root):
        shell_id = handler.selector(root, 'ShellId')
        with self.lock:
            return self.shells.get((shell_id or '').upper())

    def _create(self, handler, root, message_id, resource_uri):
        element = root.find('s:Body/rsp:Shell', NS)
        shell_id = ((element.get('ShellId') if element is not None else None) or str(uuid.uuid4())).upper()
        creation = root.find('.//{http://schemas.microsoft.com/powershell}creationXml')
        shell = _Shell(shell_id, resource_uri)
        envelope = root.findtext('s:Header/w:MaxEnvelopeSize', namespaces=NS)
        if envelope and envelope.isdigit():
            shell.envelope = int(envelope)
        with shell.lock:
            self._feed(shell, base64.b64decode((creation.text or '') if creation is not None else ''), None)
        with self.lock:
            self.shells[shell_id] = shell
        host, port = handler.server.server_address[:2]
        streams = ''.join('<rsp:%s>%s</rsp:%s>' % (tag, value, tag) for tag, value in (
            ('ShellId', shell_id), ('Name', 'WinRM%d' % len(self.shells)), ('ResourceUri', resource_uri),
            ('Owner', (self.node.profile.get('credentials') or {}).get('username', '')), ('ClientIP', handler.client_address[0]),
            ('IdleTimeOut', 'PT7200.000S'), ('InputStreams', 'stdin pr'), ('OutputStreams', 'stdout'),
            ('Locale', 'en-US'), ('DataLocale', 'en-US'), ('ProfileLoaded', 'Yes'), ('Encoding', 'UTF8'),
            ('BufferMode', 'Block'), ('State', 'Connected')))
        body = ('<x:ResourceCreated><a:Address>http://%s:%d/wsman</a:Address><a:ReferenceParameters>'
                '<w:ResourceURI>%s</w:ResourceURI><w:SelectorSet><w:Selector Name="ShellId">%s</w:Selector></w:SelectorSet>'
                '</a:ReferenceParameters></x:ResourceCreated><rsp:Shell>%s</rsp:Shell>') % (host, port, resource_uri, shell_id, streams)
        handler.reply_action('http://schemas.xmlsoap.org/ws/2004/09/transfer/CreateResponse', message_id, body)

    def _command(self, handler, root, message_id, shell):
        line = root.find('s:Body/rsp:CommandLine', NS)
        command_id = ((line.get('CommandId') if line is not None else None) or str(uuid.uuid4())).upper()
        fragment = ''.join((arg.text or '') for arg in line.findall('rsp:Arguments', NS)) if line is not None else ''
        with shell.lock:
            pipeline_id = uuid.UUID(command_id)
            shell.pipelines[pipeline_id] = {'pipeline': ServerPipeline(shell.pool, pipeline_id), 'input': [], 'ran': False}
            self._feed(shell, base64.b64decode(fragment), pipeline_id)
        body = '<rsp:CommandResponse><rsp:CommandId>%s</rsp:CommandId></rsp:CommandResponse>' % command_id
        handler.reply_action(SHELL + '/CommandResponse', message_id, body)

    def _send(self, handler, root, message_id, shell):
        with shell.lock:
            for stream in root.iter('{%s}Stream' % SHELL):
                command_id = stream.get('CommandId')
                self._feed(shell, base64.b64decode(stream.text or ''), uuid.UUID(command_id) if command_id else None,
                           StreamType.prompt_response if stream.get('Name') == 'pr' else StreamType.default)
        handler.reply_action(SHELL + '/SendResponse', message_id, '<rsp:SendResponse/>')

    def _receive(self, handler, root, message_id, shell):
        desired = root.find('.//rsp:DesiredStream', NS)
        command_id = desired.get('CommandId') if desired is not None else None
        pipeline_id = uuid.UUID(command_id) if command_id else None
        deadline = time.time() + RECEIVE_WAIT_S
        while True:
            with shell.lock:
                if pipeline_id is not None and pipeline_id not in shell.pipelines:
                    break
                taken = shell.take(pipeline_id)
                done = pipeline_id is not None and shell.pipelines[pipeline_id]['ran'] and not shell.outgoing.get(pipeline_id)
            if taken or time.time() >= deadline:
                break
            time.sleep(0.05)
        if pipeline_id is not None and pipeline_id not in shell.pipelines:
            handler.reply_fault(message_id, wsman_fault(INVALID_SELECTORS, 'The command %s was not found.' % command_id))
            return
        if not taken:
            handler.reply_fault(message_id, wsman_fault(OPERATION_TIMEDOUT, 'The WS-Management service cannot complete the '
                                                                            'operation within the time specified in OperationTimeout.'))
            return
        attr = ' CommandId="%s"' % command_id if command_id else ''
        streams = ''.join('<rsp:Stream Name="stdout"%s>%s</rsp:Stream>' % (attr, base64.b64encode(data).decode()) for data in taken)
        if done:
            streams += '<rsp:CommandState%s State="%s/CommandState/Done"/>' % (attr, SHELL)
        handler.reply_action(SHELL + '/ReceiveResponse', message_id, '<rsp:ReceiveResponse>%s</rsp:ReceiveResponse>' % streams)

    def _signal(self, handler, root, message_id, shell):
        signal = root.find('s:Body/rsp:Signal', NS)
        command_id = signal.get('CommandId') if signal is not None else None
        with shell.lock:
            entry = shell.pipelines.pop(uuid.UUID(command_id), None) if command_id else None
            if entry is not None and entry['pipeline'].state == PSInvocationState.Running:
                entry['pipeline'].stop()
            if entry is not None:
                entry['pipeline'].close()
                shell.outgoing.pop(entry['pipeline'].pipeline_id, None)
        handler.reply_action(SHELL + '/SignalResponse', message_id, '<rsp:SignalResponse/>')

    def _delete(self, handler, root, message_id, shell):
        with self.lock:
            self.shells.pop(shell.id, None)
        handler.reply_action('http://schemas.xmlsoap.org/ws/2004/09/transfer/DeleteResponse', message_id, '')

    # -- PSRP -----------------------------------------------------------------------------------------------------

    def _feed(self, shell, data, pipeline_id, stream_type=None):
        """Give psrpcore the client's fragments and act on the events they complete."""
        if data:
            shell.pool.receive_data(PSRPPayload(data, stream_type or StreamType.default, pipeline_id))
        while True:
            event = shell.pool.next_event()
            if event is None:
                break
            entry = shell.pipelines.get(event.pipeline_id) if event.pipeline_id is not None else None
            if isinstance(event, CreatePipelineEvent) and entry is not None:
                pipeline = event.pipeline
                command = pipeline.commands[0] if pipeline.commands else None
                entry.update(script=command.command_text if command is not None else '',
                             is_script=bool(command is not None and command.is_script and len(pipeline.commands) == 1),
                             no_input=pipeline.no_input)
                if pipeline.no_input:
                    self._run(shell, entry)
            elif isinstance(event, PipelineInputEvent) and entry is not None:
                entry['input'].append('' if event.data is None else str(event.data))
            elif isinstance(event, EndOfPipelineInputEvent) and entry is not None:
                self._run(shell, entry)
        shell.drain()

    def _run(self, shell, entry):
        """Run the pipeline: the node's engine answers the bootstrap and its payload; its answer becomes PSRP."""
        pipeline = entry['pipeline']
        script = entry.get('script') if entry.get('is_script') else None
        stdin = '\n'.join(entry['input']).encode('utf-8', errors='surrogatepass')
        rc, stdout, stderr, log_entry = self.node.run_bootstrap(script, stdin, 'psrp')
        self.node.record(log_entry, self.log_path)
        if self.node.faults.get('delay_seconds'):
            time.sleep(float(self.node.faults['delay_seconds']))
        pipeline.start()
        for line in stdout.splitlines():
            if line:
                pipeline.write_output(line)
        if stderr:
            pipeline.write_error(NETException(Message=stderr), ErrorCategoryInfo(Category=ErrorCategory.NotSpecified),
                                 fully_qualified_error_id='RuntimeException')
        if rc:
            pipeline.host_call(HostMethodIdentifier.SetShouldExit, [rc])
        pipeline.complete()
        entry['ran'] = True


def is_psrp(resource_uri):
    """True for the PowerShell resource URIs (``Microsoft.PowerShell`` and other session configurations)."""
    return (resource_uri or '').startswith(RESOURCE_PREFIX)
