# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run one of the collection's PowerShell gather modules on a Windows node and return its facts.

PRIVATE to this collection.

The gather modules (plugins/modules/win_*.ps1) are ordinary Ansible PowerShell modules: the action plugin
runs them with ``ActionBase._execute_module``, so they travel through Ansible's own exec wrapper (the
bootstrap on the command line, the module, its utils and its arguments on stdin), with become (runas),
async, ``no_log`` and check mode handled by Ansible. A module answers ``{"changed": false, "facts": {...}}``.
The module only gathers raw facts. Verdicts are made in Python by the caller.
"""

from __future__ import annotations

import re
import time

from ansible.errors import AnsibleConnectionFailure

try:  # pywinrm's transport: a connection cut mid-response surfaces as a requests error, not AnsibleConnectionFailure
    from requests.exceptions import ChunkedEncodingError, ConnectionError as RequestsConnectionError
    _TRANSPORT_FAULTS = (ChunkedEncodingError, RequestsConnectionError)
except ImportError:  # pragma: no cover - requests comes with pywinrm; psrp and ssh do not need it
    _TRANSPORT_FAULTS = ()

CONNECTION_FAULTS = (AnsibleConnectionFailure,) + _TRANSPORT_FAULTS

COLLECTION = 'safeq.preflight'
_CLIXML_HEADER = '#< CLIXML'
_CLIXML_ERROR_RE = re.compile(r'<S S="Error">(.*?)</S>', re.DOTALL)
_CLIXML_ESCAPE_RE = re.compile(r'_x([0-9A-Fa-f]{4})_')
RETRY_DELAY_SECONDS = 1.0
# How ansible-core words "the module printed no JSON" (2.21; 2.19).
_NO_JSON_MESSAGES = ('MODULE FAILURE', 'Module result deserialization failed')
# Keys of an async start answer (the exec wrapper's async_wrapper.ps1 prints them instead of the module's result).
ASYNC_KEYS = ('started', 'finished', 'ansible_job_id', 'results_file')


class NodeModuleError(Exception):
    """The module ran but did not produce a usable answer (the finding is ``error``)."""

    def __init__(self, msg, rc=None, stdout='', stderr=''):
        super().__init__(msg)
        self.msg = msg
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr

    def to_result(self):
        """Fields to merge into an Ansible task result."""
        return {'msg': self.msg, 'rc': self.rc, 'module_stdout': self.stdout, 'module_stderr': self.stderr}


class NodeUnreachable(Exception):
    """The connection to the node failed twice (the task result is ``unreachable``)."""


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


def parse_result(name, result):
    """Check what ``_execute_module`` returned for module ``name``; return its ``facts`` or raise NodeModuleError."""
    rc = result.get('rc')
    stdout = result.get('module_stdout') or ''
    stderr = decode_clixml(result.get('module_stderr') or '').strip()
    if result.get('failed'):
        msg = str(result.get('msg') or 'no message')
        if 'module_stdout' in result or 'module_stderr' in result or msg.startswith(_NO_JSON_MESSAGES):
            # Ansible found no JSON in what the node printed (it then attaches the raw output).
            if rc:
                msg = 'module %s exited with code %s and printed no JSON: %s' % (name, rc, stderr or 'no error text')
            else:
                msg = 'module %s printed no JSON on stdout (rc %s)%s' % (name, rc, (': ' + stderr) if stderr else '')
        else:
            msg = 'module %s failed on the node: %s' % (name, msg)
        raise NodeModuleError(msg, rc, stdout, stderr)
    facts = result.get('facts')
    if not isinstance(facts, dict):
        raise NodeModuleError('module %s answered without facts: %.200s' % (name, sorted(result)), rc, stdout, stderr)
    return facts


def _reset(action):
    """Reset the connection before a retry, as ``meta: reset_connection`` does. Without it the psrp plugin keeps the
    Runspace Pool whose opening failed (a refused logon) and runs the retry on it: pypsrp then fails with a Python
    error instead of a connection failure. A reset that fails itself leaves the retry to report the fault."""
    connection = getattr(action, '_connection', None)
    if connection is None:
        return
    try:
        connection.reset()
    except CONNECTION_FAULTS:
        pass


def run_module(action, name, params, task_vars, retries=1):
    """Run gather module ``name`` (``win_server_facts``...) on the task's host through ``action``.

    ``action`` is the calling ActionBase. A connection fault is retried ``retries`` times, then
    NodeUnreachable is raised; a connection cut in the middle of a response counts as a connection
    fault (WinRM under load, ansible.windows#597). With ``async`` on the task the module is started in
    the background and the async start answer is returned as is (no ``facts``). Otherwise returns ``facts``.
    The connection is reset before the retry (``_reset``).
    """
    attempt = 0
    while True:
        try:
            result = action._execute_module(module_name='%s.%s' % (COLLECTION, name), module_args=dict(params),
                                            task_vars=task_vars, wrap_async=action._task.async_val)
            break
        except CONNECTION_FAULTS as exc:
            if attempt >= retries:
                raise NodeUnreachable(str(exc)) from exc
            attempt += 1
            time.sleep(RETRY_DELAY_SECONDS)
            _reset(action)
    if action._task.async_val and not result.get('failed'):
        return {key: result[key] for key in ASYNC_KEYS if key in result}
    return parse_result(name, result)
