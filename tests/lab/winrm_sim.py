# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Simulated Windows nodes: a WS-Management (WinRM) shell endpoint over HTTP with Basic auth.

A SIMULATION: it proves transport (pywinrm and Ansible's winrm connection), Ansible's PowerShell module
protocol, parsing and evaluation, not PowerShell execution. Each node answers the collection's gather
modules from its host profile (YAML): the endpoint checks that the command line is Ansible's encoded
bootstrap, decodes the exec wrapper payload on stdin (bootstrap JSON, a line of four NULs, the exec
manifest JSON; ansible-core 2.19 and 2.21 lay it out alike), identifies the module (the manifest's last
action, ``module_wrapper.ps1``, names it in ``params.Script``; its source is in ``scripts``), its arguments
(``params.Variables`` ``complex_args``), become (a ``become_wrapper.ps1`` action) and async (an
``async_wrapper.ps1`` action), and prints what Ansible.Basic's ExitJson would print on that host, the
``facts`` validated against the module's JSON Schema first. See docs/simulated-nodes.md.

    python tests/lab/winrm_sim.py serve PROFILE.yml ... --state-file run/sim.json
"""

from __future__ import annotations

import argparse
import base64
import copy
import importlib
import json
import os
import re
import signal
import socket
import sys
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jsonschema
import yaml

try:
    from tests.lab import psrp_sim
except ImportError:  # run as a script: python tests/lab/winrm_sim.py
    import psrp_sim  # type: ignore[no-redef]

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCHEMA_DIRS = (os.path.join(REPO_ROOT, 'tests', 'lab', 'schemas'), os.path.join(REPO_ROOT, 'tests', 'lab', 'fixtures'))
NS = {
    's': 'http://www.w3.org/2003/05/soap-envelope',
    'a': 'http://schemas.xmlsoap.org/ws/2004/08/addressing',
    'w': 'http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd',
    'rsp': 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell',
    'x': 'http://schemas.xmlsoap.org/ws/2004/09/transfer',
}
SHELL = 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell'
ACTIONS = {
    'http://schemas.xmlsoap.org/ws/2004/09/transfer/Create': 'create',
    'http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete': 'delete',
    SHELL + '/Command': 'command', SHELL + '/Send': 'send', SHELL + '/Receive': 'receive', SHELL + '/Signal': 'signal',
}
# ansible-core 2.21 quotes the argument when ansible_shell_type=powershell is forced on winrm.
ENCODED_RE = re.compile(r'-encodedcommand\s+[\'"]?(?P<b64>[A-Za-z0-9+/=]+)', re.IGNORECASE)
# The exec wrapper payload: bootstrap JSON, then a line of four NULs, then the exec manifest JSON.
PAYLOAD_SEPARATOR = b'\n\0\0\0\0\n'
BOOTSTRAP_MARKER = '[string]::Equals($in, "`0`0`0`0")'
MODULE_SCRIPT_RE = re.compile(r'(?:^|\.)(?P<name>[A-Za-z0-9_]+)\.ps1$')
PS_UTIL_RE = re.compile(r'(?im)^#\s*ansiblerequires\s+-powershell\s+\.\.module_utils\.(?P<name>[\w.]+)')
# A legacy module util (ansible.windows.async_status: #Requires -Module Ansible.ModuleUtils.Legacy).
LEGACY_UTIL_RE = re.compile(r'(?im)^#\s*requires\s+-module\s+(?P<name>Ansible\.ModuleUtils\.[\w.]+)')
# Ansible.Basic's spec key, or the legacy Parse-Args switch.
CHECK_MODE_RE = re.compile(r'supports_check_mode(\s*=\s*|\s+)\$true', re.IGNORECASE)
# ansible.windows.async_status: answered from the node's async jobs, not from the profile.
ASYNC_STATUS_SCRIPT = 'ansible_collections.ansible.windows.plugins.modules.async_status.ps1'
SECRET_RE = re.compile(r'password|secret|community|token', re.IGNORECASE)
FAULTS = ('bad_credentials', 'refuse_connections', 'delay_seconds', 'garbage_stdout', 'exit_code', 'stderr_clixml',
          'drop_mid_receive', 'drop_first_n_connections', 'job_seconds')
# What Ansible's become_wrapper.ps1 reports when LogonUser refuses the become credential (Win32 1326, 0x8007052E).
LOGON_FAILURE = ('failure during exec_wrapper: Exception calling "CreateProcessAsUser" with "9" argument(s): "Failed to logon %s: '
                 'LogonUserW() failed (The user name or password is incorrect, Win32ErrorCode 1326 - 0x0000052E)"')

for _prefix, _uri in NS.items():
    ET.register_namespace(_prefix, _uri)


def clixml(text):
    """PowerShell's CLIXML error stream encoding of ``text``."""
    body = text.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;').replace('\r', '_x000D_').replace('\n', '_x000A_')
    return ('#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">'
            '<S S="Error">%s_x000D__x000A_</S></Objs>' % body)


def mask(params):
    """A copy of the module arguments with secret-looking values masked (for the request log)."""
    if isinstance(params, dict):
        return {k: '********' if SECRET_RE.search(str(k)) else mask(v) for k, v in params.items()}
    if isinstance(params, list):
        return [mask(v) for v in params]
    return params


def decode_script(command_line):
    """The PowerShell script inside a ``-EncodedCommand`` command line, or None."""
    match = ENCODED_RE.search(command_line)
    if not match:
        return None
    try:
        return base64.b64decode(match.group('b64')).decode('utf-16-le')
    except (ValueError, UnicodeDecodeError):
        return None


class PayloadError(ValueError):
    """stdin is not an exec wrapper payload the simulation understands."""


def decode_payload(stdin):
    """Decode the exec wrapper payload of one module run (ansible-core 2.19 and 2.21).

    Returns a dict: ``module`` (short name), ``script`` (the manifest key), ``source`` (module text),
    ``args`` (module options without ``_ansible_*``), ``internal`` (the ``_ansible_*`` keys),
    ``actions`` (names in order), ``become`` (``{'user', 'password', 'logon_type', 'logon_flags'}`` or None),
    ``async`` (``{'dir', 'jid', 'startup_timeout', 'timeout'}`` or None), ``utils`` (script names shipped) and
    ``bootstrap`` (the bootstrap parameters).
    """
    if PAYLOAD_SEPARATOR not in stdin:
        raise PayloadError('stdin has no exec wrapper separator (a line of four NUL characters)')
    head, tail = stdin.split(PAYLOAD_SEPARATOR, 1)
    try:
        bootstrap = json.loads(head.decode('utf-8'))
        manifest = json.loads(tail.decode('utf-8'))
    except ValueError as exc:
        raise PayloadError('exec wrapper payload is not JSON: %s' % exc) from exc
    if bootstrap.get('name') != 'exec_wrapper' or 'script' not in bootstrap:
        raise PayloadError('bootstrap JSON does not start exec_wrapper')
    actions = manifest.get('actions') or []
    if not actions or actions[-1].get('name') != 'module_wrapper.ps1':
        raise PayloadError('the last manifest action is not module_wrapper.ps1')
    params = actions[-1].get('params') or {}
    script = params.get('Script') or ''
    scripts = manifest.get('scripts') or {}
    if script not in scripts:
        raise PayloadError('module %r is not among the manifest scripts' % script)
    match = MODULE_SCRIPT_RE.search(script)
    if not match:
        raise PayloadError('module %r is not a PowerShell script' % script)
    source = base64.b64decode(scripts[script]['script']).decode('utf-8-sig')
    variables = {v.get('Name'): v.get('Value') for v in params.get('Variables') or []}
    complex_args = variables.get('complex_args') or {}
    become = asynchronous = None
    for action in actions[:-1]:
        if action.get('name') == 'become_wrapper.ps1':
            become = {'user': (action.get('params') or {}).get('BecomeUser'),
                      'password': (action.get('secure_params') or {}).get('BecomePassword'),
                      'logon_type': (action.get('params') or {}).get('LogonType'),
                      'logon_flags': (action.get('params') or {}).get('LogonFlags')}
        elif action.get('name') == 'async_wrapper.ps1':
            asynchronous = dict(asynchronous or {}, dir=(action.get('params') or {}).get('AsyncDir'),
                                jid=(action.get('params') or {}).get('AsyncJid'),
                                startup_timeout=(action.get('params') or {}).get('StartupTimeout'))
        elif action.get('name') == 'async_watchdog.ps1':
            asynchronous = dict(asynchronous or {}, timeout=(action.get('params') or {}).get('Timeout'))
    return {'module': match.group('name'), 'script': script, 'source': source,
            'args': {k: v for k, v in complex_args.items() if not k.startswith('_ansible_')},
            'internal': {k: v for k, v in complex_args.items() if k.startswith('_ansible_')},
            'actions': [a.get('name') for a in actions], 'become': become, 'async': asynchronous,
            'utils': sorted(scripts), 'bootstrap': bootstrap.get('params') or {}}


def _schema_path(name, schema_dirs):
    for directory in schema_dirs:
        path = os.path.join(directory, name + '.schema.json')
        if os.path.exists(path):
            return path
    return None


def _exit_json(result):
    """What Ansible.Basic's ExitJson/FailJson prints: one compact JSON line."""
    return json.dumps(result, separators=(',', ':'), ensure_ascii=False) + '\r\n'


def _failed(entry, msg, rc=1, **extra):
    return rc, _exit_json(dict({'failed': True, 'msg': msg}, **extra)), '', dict(entry, rc=rc, error=msg)


_VALIDATORS = {}  # schema path -> validator: the schema is read and checked once, not for every answer (a fleet sends thousands)


def _validator(path):
    if path not in _VALIDATORS:
        with open(path, encoding='utf-8') as handle:
            schema = json.load(handle)
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        _VALIDATORS[path] = cls(schema)
    return _VALIDATORS[path]


class Node:
    """One simulated Windows host: its profile, shells, request log, async jobs and fault counters."""

    def __init__(self, profile, schema_dirs):
        self.profile = profile
        self.name = profile['name']
        self.faults = dict(profile.get('faults') or {})
        unknown = set(self.faults) - set(FAULTS)
        if unknown:
            raise ValueError('profile %s: unknown fault(s) %s' % (self.name, ', '.join(sorted(unknown))))
        self.schema_dirs = schema_dirs
        self.shells = {}
        self.log = []
        self.jobs = {}
        self.lock = threading.Lock()
        self.commands_seen = 0
        self.psrp = None

    def record(self, entry, log_path, droppable=False):
        """Log one module run (one command or pipeline); True when the fault profile cuts its response."""
        with self.lock:
            self.commands_seen += 1
            drop = droppable and bool(self.faults.get('drop_mid_receive') or
                                      self.commands_seen <= int(self.faults.get('drop_first_n_connections') or 0))
            entry.update(time=time.time(), dropped=drop)
            self.log.append(entry)
            if log_path:
                with open(log_path, 'a', encoding='utf-8') as handle:
                    handle.write(json.dumps(dict(entry, node=self.name)) + '\n')
        return drop

    def _answers_for(self, become):
        """The module answers of the connection user, with the become user's overrides on top."""
        answers = copy.deepcopy(self.profile.get('probes') or {})
        if become is None:
            return answers
        override = (self.profile.get('become_users') or {}).get(become['user']) or {}
        for module, value in (override.get('probes') or {}).items():
            if isinstance(value, dict) and isinstance(answers.get(module), dict):
                answers[module] = dict(answers[module], **value)
            else:
                answers[module] = value
        return answers

    def _logon(self, become):
        """True when the become user and password are accepted (as LogonUser would).

        Accounts: the profile's ``become_users``, the connection account itself (with its password: the
        remote-UAC case, a full token for the same user) and SYSTEM without a password (runas as SYSTEM
        from an administrator's session).
        """
        accounts = {user: (entry or {}).get('password') for user, entry in (self.profile.get('become_users') or {}).items()}
        creds = self.profile.get('credentials') or {}
        accounts.setdefault(creds.get('username'), creds.get('password'))
        user = str(become['user'] or '')
        if user.upper() in ('SYSTEM', 'NT AUTHORITY\\SYSTEM'):
            return True
        return user in accounts and accounts[user] == become['password']

    def run(self, command_line, stdin):
        """Execute (simulate) one WinRM command; returns (rc, stdout, stderr as CLIXML, entry for the log)."""
        rc, stdout, stderr, entry = self.run_bootstrap(decode_script(command_line), stdin, 'winrm')
        return rc, stdout, clixml(stderr) if stderr else '', entry

    def run_bootstrap(self, bootstrap, stdin, transport):
        """Run (simulate) one module: ``bootstrap`` is the script Ansible sent (the PowerShell bootstrap, decoded from
        the winrm command line or the psrp pipeline's script), ``stdin`` the exec wrapper payload (bytes; on psrp the
        pipeline's input lines joined by LF). Returns (rc, stdout, stderr as plain text, entry for the log); the entry
        names the ``transport`` (``winrm`` or ``psrp``). One engine answers both transports from the same profile."""
        if bootstrap is None or BOOTSTRAP_MARKER not in bootstrap:
            return 1, '', 'simulation: unknown command (not Ansible\'s PowerShell bootstrap)', {'module': None, 'rc': 1, 'transport': transport}
        try:
            payload = decode_payload(stdin)
        except (PayloadError, KeyError, TypeError, UnicodeDecodeError) as exc:
            return 1, '', 'simulation: %s' % exc, {'module': None, 'rc': 1, 'error': str(exc), 'transport': transport}
        name = payload['module']
        become = payload['become']
        entry = {'module': name, 'params': mask(payload['args']), 'actions': payload['actions'], 'transport': transport,
                 'become_user': become['user'] if become else None, 'async_jid': payload['async']['jid'] if payload['async'] else None,
                 'check_mode': bool(payload['internal'].get('_ansible_check_mode'))}
        missing = [util for util in PS_UTIL_RE.findall(payload['source'])
                   if not any(key.endswith('module_utils.%s.psm1' % util) for key in payload['utils'])]
        missing += [util for util in LEGACY_UTIL_RE.findall(payload['source']) if util + '.psm1' not in payload['utils']]
        if missing:
            return _failed(entry, 'failure during exec_wrapper: module util %s was not sent' % ', '.join(missing))
        if become is not None and not self._logon(become):
            return _failed(entry, LOGON_FAILURE % become['user'])
        if entry['check_mode'] and not CHECK_MODE_RE.search(payload['source']):
            return 0, _exit_json({'changed': False, 'skipped': True, 'msg': 'remote module (%s) does not support check mode' % name}), '', \
                dict(entry, rc=0, skipped=True)
        if payload['script'] == ASYNC_STATUS_SCRIPT:
            return self._async_status(entry, payload['args'])
        if payload['async']:
            return 0, self._start_job(payload, become), '', dict(entry, rc=0)
        rc, stdout, stderr, entry = self._module_answer(payload, become, entry)
        return rc, stdout, stderr, entry

    def _module_answer(self, payload, become, entry):
        """What the module prints when it runs (the profile's answer, the responder's, or a fault)."""
        name = payload['module']
        answers = self._answers_for(become)
        if name not in answers:
            return _failed(entry, 'simulation: no answer for module %s in profile %s' % (name, self.name))
        data = answers[name]
        try:
            responder = importlib.import_module('tests.lab.sim_responders.' + name)
        except ModuleNotFoundError:
            responder = None
        if responder is not None:
            if getattr(responder, 'NODE_AWARE', False):  # opens sockets on the node's own address (win_port_listener)
                data = responder.respond(data, payload['args'], node=self.profile)
            else:
                data = responder.respond(data, payload['args'])
        problem = self._validate(name, data)
        if problem:
            sys.stderr.write('winrm_sim %s: %s\n' % (self.name, problem))
            return 1, '', 'simulation: ' + problem, dict(entry, rc=1, error=problem)
        if self.faults.get('garbage_stdout'):
            return 0, 'Preparing modules for first use.\r\n\x1b[0m garbage, not JSON\r\n', '', dict(entry, rc=0)
        rc = int(self.faults.get('exit_code') or 0)
        stderr = self.faults.get('stderr_clixml') or ''
        if rc:
            return rc, '', stderr, dict(entry, rc=rc)
        result = {'changed': False, 'facts': data, 'invocation': {'module_args': payload['args']}}
        return 0, _exit_json(result), stderr, dict(entry, rc=0)

    def _validate(self, name, data):
        schema = _schema_path(name, self.schema_dirs)
        if schema is None:
            return 'no JSON Schema for module %s' % name
        error = jsonschema.exceptions.best_match(_validator(schema).iter_errors(data))  # the error jsonschema.validate raises
        if error is not None:
            return 'profile answer for %s violates %s: %s at %s' % (name, os.path.basename(schema), error.message, list(error.absolute_path))
        return None

    def _start_job(self, payload, become):
        """async_wrapper.ps1 + async_watchdog.ps1: the results file holds the start answer; the module runs in the
        background (a thread; ``faults.job_seconds`` makes it slow) and the watchdog writes its result into the file,
        or a failure when it outlasts the task's ``async`` seconds. The start answer is printed at once."""
        asynchronous = payload['async']
        with self.lock:
            pid = 4000 + len(self.jobs)
            jid = '%s.%d' % (asynchronous['jid'], pid)
            results_file = '%s\\%s' % (str(asynchronous['dir'] or '').rstrip('\\/'), jid)
            start = {'started': True, 'finished': False, 'results_file': results_file, 'ansible_job_id': jid,
                     '_ansible_suppress_tmpdir_delete': True, 'ansible_async_watchdog_pid': pid}
            job = {'file': results_file, 'result': dict(start), 'done': threading.Event()}
            self.jobs[jid] = job
        thread = threading.Thread(target=self._run_job, args=(job, payload, become, float(asynchronous.get('timeout') or 0)), daemon=True)
        thread.start()
        return _exit_json(start)

    def _run_job(self, job, payload, become, timeout):
        seconds = float(self.faults.get('job_seconds') or 0)
        result = dict(job['result'], finished=True)
        if timeout and seconds > timeout:
            time.sleep(timeout)
            result.update(failed=True, msg='failure during async watchdog: timed out waiting for module completion')
        else:
            time.sleep(seconds)
            entry = {'module': payload['module']}
            dummy, stdout, stderr, entry = self._module_answer(payload, become, entry)
            start, end = stdout.find('{'), stdout.rfind('}')
            if start < 0 or end < 0:
                result.update(failed=True, msg='failure during async watchdog: No start of json char found in module result',
                              stdout=stdout, stderr=stderr)
            else:
                result.update(json.loads(stdout[start:end + 1]))
        with self.lock:
            job['result'] = result
        job['done'].set()

    def _async_status(self, entry, args):
        """ansible.windows.async_status: the job's results file, as that module reads it (status or cleanup)."""
        jid, mode = str(args.get('jid') or ''), args.get('mode') or 'status'
        if not args.get('_async_dir'):
            # the module run directly (not through ansible.builtin.async_status's action, which adds _async_dir)
            return _failed(entry, 'Get-AnsibleParam: Missing required argument: _async_dir')
        path = '%s\\%s' % (str(args.get('_async_dir') or '').rstrip('\\/'), jid)
        entry = dict(entry, params={'jid': jid, 'mode': mode})
        with self.lock:
            job = self.jobs.get(jid)
            if job is None or job['file'] != path or job.get('erased'):
                return _failed(entry, "could not find job at '%s'" % args.get('_async_dir'), ansible_job_id=jid, started=1, finished=1)
            if mode == 'cleanup':
                job['erased'] = True
                return 0, _exit_json({'changed': False, 'ansible_job_id': jid, 'erased': path}), '', dict(entry, rc=0)
            data = dict(job['result'])
        if 'started' not in data:
            data.update(finished=1, ansible_job_id=jid)
        elif 'finished' not in data:
            data['finished'] = 0
        data.setdefault('changed', False)
        return 0, _exit_json(data), '', dict(entry, rc=0, job_finished=bool(data['finished']))


def _envelope(action, relates_to, body_xml):
    return ('<s:Envelope xmlns:s="{s}" xmlns:a="{a}" xmlns:w="{w}" xmlns:rsp="{rsp}" xmlns:x="{x}"><s:Header>'
            '<a:Action>{action}</a:Action><a:MessageID>uuid:{mid}</a:MessageID><a:RelatesTo>{rel}</a:RelatesTo>'
            '<a:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:To></s:Header><s:Body>{body}</s:Body></s:Envelope>'
            ).format(action=action, mid=uuid.uuid4(), rel=relates_to, body=body_xml, **NS).encode('utf-8')


class Handler(BaseHTTPRequestHandler):
    """The /wsman endpoint of one node."""

    protocol_version = 'HTTP/1.1'
    server_version = 'Microsoft-HTTPAPI/2.0'
    sys_version = ''

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        """Quiet: the request log is the node's JSON log."""

    def _reply(self, status, body=b'', headers=None):
        self.send_response(status)
        self.send_header('Content-Type', 'application/soap+xml;charset=UTF-8')
        self.send_header('Content-Length', str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def _authorised(self, node):
        creds = node.profile.get('credentials') or {}
        expected = 'Basic ' + base64.b64encode(('%s:%s' % (creds.get('username', ''), creds.get('password', ''))).encode('utf-8')).decode('ascii')
        return not node.faults.get('bad_credentials') and self.headers.get('Authorization') == expected

    def do_POST(self):  # pylint: disable=invalid-name
        node = self.server.node
        body = self.rfile.read(int(self.headers.get('Content-Length') or 0))
        if not self._authorised(node):
            self._reply(401, b'', {'WWW-Authenticate': 'Basic realm="WSMAN"'})
            return
        try:
            root = ET.fromstring(body)
        except ET.ParseError:
            self._reply(400, b'')
            return
        action_uri = root.findtext('s:Header/a:Action', namespaces=NS) or ''
        message_id = root.findtext('s:Header/a:MessageID', namespaces=NS) or ''
        action = ACTIONS.get(action_uri)
        if action is None:
            fault = ('<s:Fault><s:Code><s:Value>s:Sender</s:Value></s:Code><s:Reason><s:Text xml:lang="en-US">'
                     'The action %s is not supported by the simulation.</s:Text></s:Reason></s:Fault>') % action_uri
            self.reply_fault(message_id, fault)
            return
        resource_uri = (root.findtext('s:Header/w:ResourceURI', namespaces=NS) or '').strip()
        if psrp_sim.is_psrp(resource_uri):
            # PowerShell Remoting (pypsrp, Ansible's psrp connection): the same node, engine and log
            with node.lock:
                if node.psrp is None:
                    node.psrp = psrp_sim.PsrpEndpoint(node, self.server.log_path)
            node.psrp.handle(self, root, action, message_id, resource_uri)
            return
        getattr(self, '_' + action)(node, root, message_id)

    def reply_action(self, action, message_id, body):
        """A 200 response: the SOAP envelope of ``action`` relating to ``message_id``."""
        self._reply(200, _envelope(action, message_id, body))

    def reply_fault(self, message_id, fault):
        """A 500 response carrying the SOAP fault ``fault``."""
        self._reply(500, _envelope('http://schemas.dmtf.org/wbem/wsman/1/wsman/fault', message_id, fault))

    @staticmethod
    def selector(root, name):
        """The value of the WS-Management selector ``name`` (``ShellId``) of a request, or None."""
        for element in root.iter('{%s}Selector' % NS['w']):
            if element.get('Name') == name:
                return element.text
        return None

    def _shell_id(self, root):
        return self.selector(root, 'ShellId')

    def _create(self, node, root, message_id):
        shell_id = str(uuid.uuid4()).upper()
        with node.lock:
            node.shells[shell_id] = {}
        host, port = self.server.server_address[:2]
        body = ('<x:ResourceCreated><a:Address>http://%s:%d/wsman</a:Address><a:ReferenceParameters>'
                '<w:ResourceURI>http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd</w:ResourceURI>'
                '<w:SelectorSet><w:Selector Name="ShellId">%s</w:Selector></w:SelectorSet></a:ReferenceParameters></x:ResourceCreated>'
                '<rsp:Shell><rsp:ShellId>%s</rsp:ShellId><rsp:State>Connected</rsp:State></rsp:Shell>') % (host, port, shell_id, shell_id)
        self._reply(200, _envelope('http://schemas.xmlsoap.org/ws/2004/09/transfer/CreateResponse', message_id, body))

    def _command(self, node, root, message_id):
        shell = node.shells.get(self._shell_id(root))
        if shell is None:
            self._reply(500, _envelope('http://schemas.dmtf.org/wbem/wsman/1/wsman/fault', message_id, '<s:Fault/>'))
            return
        line = root.find('.//rsp:CommandLine', NS)
        parts = [line.findtext('rsp:Command', default='', namespaces=NS).strip()]
        parts += [(arg.text or '') for arg in line.findall('rsp:Arguments', NS)]
        command_id = str(uuid.uuid4()).upper()
        shell[command_id] = {'line': ' '.join(parts), 'stdin': b'', 'result': None}
        body = '<rsp:CommandResponse><rsp:CommandId>%s</rsp:CommandId></rsp:CommandResponse>' % command_id
        self._reply(200, _envelope(SHELL + '/CommandResponse', message_id, body))

    def _send(self, node, root, message_id):
        shell = node.shells.get(self._shell_id(root), {})
        for stream in root.iter('{%s}Stream' % NS['rsp']):
            command = shell.get(stream.get('CommandId'))
            if command is not None and stream.text:
                command['stdin'] += base64.b64decode(stream.text)
        self._reply(200, _envelope(SHELL + '/SendResponse', message_id, '<rsp:SendResponse/>'))

    def _receive(self, node, root, message_id):
        shell = node.shells.get(self._shell_id(root), {})
        desired = root.find('.//rsp:DesiredStream', NS)
        command_id = desired.get('CommandId') if desired is not None else None
        command = shell.get(command_id)
        if command is None:
            self._reply(500, _envelope('http://schemas.dmtf.org/wbem/wsman/1/wsman/fault', message_id, '<s:Fault/>'))
            return
        if command['result'] is None:
            rc, stdout, stderr, entry = node.run(command['line'], command['stdin'])
            drop = node.record(entry, self.server.log_path, droppable=True)
            command['result'] = (rc, stdout, stderr)
            if node.faults.get('delay_seconds'):
                time.sleep(float(node.faults['delay_seconds']))
            if drop:
                self._drop_mid_response()
                return
        rc, stdout, stderr = command['result']
        streams = ''
        for name, text in (('stdout', stdout), ('stderr', stderr)):
            if text:
                streams += '<rsp:Stream Name="%s" CommandId="%s">%s</rsp:Stream>' % (name, command_id, base64.b64encode(text.encode('utf-8')).decode())
            streams += '<rsp:Stream Name="%s" CommandId="%s" End="true"></rsp:Stream>' % (name, command_id)
        body = ('<rsp:ReceiveResponse>%s<rsp:CommandState CommandId="%s" State="%s/CommandState/Done"><rsp:ExitCode>%d</rsp:ExitCode>'
                '</rsp:CommandState></rsp:ReceiveResponse>') % (streams, command_id, SHELL, rc)
        self._reply(200, _envelope(SHELL + '/ReceiveResponse', message_id, body))

    def _drop_mid_response(self):
        """Send the start of a response, then cut the TCP connection."""
        self.send_response(200)
        self.send_header('Content-Type', 'application/soap+xml;charset=UTF-8')
        self.send_header('Content-Length', '4096')
        self.end_headers()
        self.wfile.write(b'<s:Envelope xmlns:s="%s"><s:Header>' % NS['s'].encode())
        self.wfile.flush()
        self.connection.shutdown(socket.SHUT_RDWR)
        self.close_connection = True

    def _signal(self, node, root, message_id):
        self._reply(200, _envelope(SHELL + '/SignalResponse', message_id, '<rsp:SignalResponse/>'))

    def _delete(self, node, root, message_id):
        with node.lock:
            node.shells.pop(self._shell_id(root), None)
        self._reply(200, _envelope('http://schemas.xmlsoap.org/ws/2004/09/transfer/DeleteResponse', message_id, ''))


def _free_port(host):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


class SimulatedNodes:
    """Several simulated nodes, each on its own 127.0.0.x address."""

    def __init__(self, profile_paths, schema_dir=None, log_path=None):
        self.profiles = []
        for path in profile_paths:
            with open(path, encoding='utf-8') as handle:
                self.profiles.append(yaml.safe_load(handle))
        self.schema_dirs = (schema_dir,) + SCHEMA_DIRS if schema_dir else SCHEMA_DIRS
        self.log_path = log_path
        self.nodes = {}
        self.addresses = {}
        self._servers = []

    def start(self):
        for profile in self.profiles:
            node = Node(profile, self.schema_dirs)
            host = profile.get('address', '127.0.0.1')
            self.nodes[node.name] = node
            if node.faults.get('refuse_connections'):
                self.addresses[node.name] = {'host': host, 'port': int(profile.get('port') or _free_port(host)), 'refused': True}
                continue
            server = ThreadingHTTPServer((host, int(profile.get('port') or 0)), Handler)
            server.daemon_threads = True
            server.node = node
            server.log_path = self.log_path
            threading.Thread(target=server.serve_forever, name='winrm-sim-' + node.name, daemon=True).start()
            self._servers.append(server)
            self.addresses[node.name] = {'host': host, 'port': server.server_address[1], 'refused': False}
        return self.addresses

    def stop(self):
        for server in self._servers:
            server.shutdown()
            server.server_close()
        self._servers = []

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def commands(self, name):
        """The request log of node ``name``: one entry per WinRM command (one module run) executed."""
        return list(self.nodes[name].log)

    def jobs(self, name, wait=0.0):
        """The async jobs node ``name`` started: job ID -> what its results file holds now (``wait``: seconds to wait
        for every job to finish first)."""
        node = self.nodes[name]
        for job in list(node.jobs.values()):
            job['done'].wait(wait)
        with node.lock:
            return {jid: dict(job['result']) for jid, job in node.jobs.items()}

    def inventory(self, group='safeq_nodes', connection='winrm'):
        """A YAML-ready inventory of the simulated nodes: Ansible's ``winrm`` connection (default) or ``psrp``,
        HTTP, Basic auth.

        winrm: no ``ansible_shell_type``, each ansible-core uses its winrm default (powershell up to 2.20, cmd from
        2.21). psrp: pypsrp refuses Basic auth over HTTP unless message encryption is off (``never``), which a real
        node allows only with ``AllowUnencrypted``; the psrp plugin's shell is always powershell.
        """
        hosts = {}
        for profile in self.profiles:
            address = self.addresses[profile['name']]
            creds = profile.get('credentials') or {}
            host = {'ansible_host': address['host'], 'ansible_port': address['port'], 'ansible_connection': connection,
                    'ansible_user': creds.get('username', ''), 'ansible_password': creds.get('password', '')}
            if connection == 'psrp':
                host.update({'ansible_psrp_protocol': 'http', 'ansible_psrp_auth': 'basic', 'ansible_psrp_message_encryption': 'never',
                             'ansible_psrp_cert_validation': 'ignore', 'ansible_psrp_read_timeout': 30,
                             'ansible_psrp_operation_timeout': 20})
            else:
                host.update({'ansible_winrm_transport': 'basic', 'ansible_winrm_scheme': 'http',
                             'ansible_winrm_server_cert_validation': 'ignore', 'ansible_winrm_read_timeout_sec': 30,
                             'ansible_winrm_operation_timeout_sec': 20})
            hosts[profile['name']] = host
        return {'all': {'children': {group: {'hosts': hosts}}}}


def main(argv=None):
    parser = argparse.ArgumentParser(description='Serve simulated WinRM nodes until SIGTERM.')
    parser.add_argument('command', choices=['serve'])
    parser.add_argument('profiles', nargs='+')
    parser.add_argument('--state-file', required=True)
    parser.add_argument('--log', default=None)
    options = parser.parse_args(argv)
    nodes = SimulatedNodes(options.profiles, log_path=options.log)
    state = {'pid': os.getpid(), 'nodes': nodes.start(), 'inventory': nodes.inventory()}
    with open(options.state_file, 'w', encoding='utf-8') as handle:
        json.dump(state, handle, indent=2)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *args: stopped.set())
    signal.signal(signal.SIGINT, lambda *args: stopped.set())
    stopped.wait()
    nodes.stop()
    return 0


if __name__ == '__main__':
    sys.path.insert(0, REPO_ROOT)
    sys.exit(main())
