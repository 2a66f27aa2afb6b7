# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run one fixed PowerShell probe script on a Windows node and return its JSON.

PRIVATE to this collection.

The script travels on the command line as ``-EncodedCommand`` (base64 of UTF-16LE),
its parameters (secrets included) travel as one line of JSON on stdin, and it prints
one JSON document on stdout::

    {"probe": "<name>", "version": 1, "failed": false, "msg": "", "data": {...}}

The script only gathers raw facts. Verdicts are made in Python by the caller.
"""

from __future__ import annotations

import base64
import json
import os
import re
import time

from ansible.errors import AnsibleConnectionFailure

try:  # pywinrm's transport: a connection cut mid-response surfaces as a requests error, not AnsibleConnectionFailure
    from requests.exceptions import ChunkedEncodingError, ConnectionError as RequestsConnectionError
    _TRANSPORT_FAULTS = (ChunkedEncodingError, RequestsConnectionError)
except ImportError:  # pragma: no cover - requests comes with pywinrm; psrp and ssh do not need it
    _TRANSPORT_FAULTS = ()

CONNECTION_FAULTS = (AnsibleConnectionFailure,) + _TRANSPORT_FAULTS

ENCODED_PREFIX = 'PowerShell -NoProfile -NonInteractive -ExecutionPolicy Unrestricted -EncodedCommand '
# WinRM runs the command line through cmd.exe, whose limit is 8,191 characters.
MAX_COMMAND_CHARS = 8191
SCRIPT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'powershell')
MARKER_RE = re.compile(r'^# safeq-probe: (?P<name>[a-z0-9_]+) v(?P<version>\d+)\s*$', re.MULTILINE)
_CLIXML_HEADER = '#< CLIXML'
_CLIXML_ERROR_RE = re.compile(r'<S S="Error">(.*?)</S>', re.DOTALL)
_CLIXML_ESCAPE_RE = re.compile(r'_x([0-9A-Fa-f]{4})_')
RETRY_DELAY_SECONDS = 1.0


class NodeScriptError(Exception):
    """The probe ran but did not produce a usable answer (the finding is ``error``)."""

    def __init__(self, msg, rc=None, stdout='', stderr=''):
        super().__init__(msg)
        self.msg = msg
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr

    def to_result(self):
        """Fields to merge into an Ansible task result."""
        return {'msg': self.msg, 'rc': self.rc, 'stdout': self.stdout, 'stderr': self.stderr}


class NodeUnreachable(Exception):
    """The connection to the node failed twice (the task result is ``unreachable``)."""


def script_path(name):
    """Path of the fixed script ``name`` (``[a-z0-9_]+``)."""
    if not re.match(r'^[a-z0-9_]+$', name or ''):
        raise ValueError('invalid probe script name %r' % (name,))
    return os.path.join(SCRIPT_DIR, name + '.ps1')


def load_script(name):
    """Read a fixed script and strip what the host does not need to run it.

    Full-line comments (except the ``# safeq-probe:`` marker that names the script),
    blank lines and indentation are removed to keep the command line short. The
    scripts never use here-strings, so this is safe.
    """
    with open(script_path(name), encoding='utf-8') as handle:
        text = handle.read()
    if not MARKER_RE.search(text):
        raise ValueError('probe script %s has no "# safeq-probe: NAME vN" marker line' % name)
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith('#') and not MARKER_RE.match(stripped) and not stripped.lower().startswith('#requires'):
            continue
        lines.append(stripped)
    return '\n'.join(lines) + '\n'


def encode_command(script):
    """The full command line for ``script``; raises ValueError when it is too long for cmd.exe."""
    command = ENCODED_PREFIX + base64.b64encode(script.encode('utf-16-le')).decode('ascii')
    if len(command) > MAX_COMMAND_CHARS:
        raise ValueError(
            'probe script is too long for the Windows command line: %d characters encoded, the limit is %d'
            % (len(command), MAX_COMMAND_CHARS))
    return command


def decode_clixml(stderr):
    """Turn PowerShell CLIXML on stderr into plain text (left as is when it is not CLIXML)."""
    if not stderr or _CLIXML_HEADER not in stderr:
        return stderr
    parts = _CLIXML_ERROR_RE.findall(stderr)
    if not parts:
        # Only progress or information records: nothing the user needs to read.
        return stderr.split(_CLIXML_HEADER, 1)[0].strip()
    text = ''.join(_CLIXML_ESCAPE_RE.sub(lambda m: chr(int(m.group(1), 16)), part) for part in parts)
    return text.replace('&lt;', '<').replace('&gt;', '>').replace('&quot;', '"').replace('&apos;', "'").replace('&amp;', '&').strip()


def parse_output(name, rc, stdout, stderr):
    """Parse and check what a probe printed; return its ``data`` or raise NodeScriptError."""
    stderr = decode_clixml(stderr or '')
    text = (stdout or '').strip()
    document = None
    if text:
        # The document is the last line that parses as JSON: anything a host profile
        # script printed before it (a banner) is ignored, never trusted.
        for line in reversed(text.splitlines()):
            line = line.strip()
            if line.startswith('{'):
                try:
                    document = json.loads(line)
                except ValueError:
                    document = None
                break
    if document is None:
        if rc:
            raise NodeScriptError('probe %s exited with code %s and printed no JSON: %s'
                                  % (name, rc, stderr.strip() or 'no error text'), rc, stdout, stderr)
        raise NodeScriptError('probe %s printed no JSON on stdout (rc %s)%s'
                              % (name, rc, (': ' + stderr.strip()) if stderr.strip() else ''), rc, stdout, stderr)
    if not isinstance(document, dict) or document.get('probe') != name or not isinstance(document.get('data', {}), dict):
        raise NodeScriptError('probe %s printed JSON that is not its answer: %.200s' % (name, text), rc, stdout, stderr)
    if document.get('failed'):
        raise NodeScriptError('probe %s failed on the node: %s' % (name, document.get('msg') or 'no message'), rc, stdout, stderr)
    if rc:
        raise NodeScriptError('probe %s exited with code %s: %s' % (name, rc, stderr.strip() or 'no error text'), rc, stdout, stderr)
    return document.get('data') or {}


def run_script(action, name, params, retries=1):
    """Run the fixed script ``name`` on the task's host through ``action``'s connection.

    ``action`` is the calling ActionBase. ``params`` is sent as JSON on stdin (secrets go
    there, never on the command line). A connection fault is retried ``retries`` times,
    then NodeUnreachable is raised. A connection cut in the middle of a response counts as a connection
    fault (WinRM under load, ansible.windows#597). Returns the script's ``data`` dict.
    """
    command = encode_command(load_script(name))
    payload = json.dumps(params, separators=(',', ':')).encode('utf-8') + b'\n'
    attempt = 0
    while True:
        try:
            result = action._low_level_execute_command(command, sudoable=False, in_data=payload)
            break
        except CONNECTION_FAULTS as exc:
            if attempt >= retries:
                raise NodeUnreachable(str(exc)) from exc
            attempt += 1
            time.sleep(RETRY_DELAY_SECONDS)
    return parse_output(name, result.get('rc'), result.get('stdout', ''), result.get('stderr', ''))
