# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared behaviour of the collection's Windows probe action plugins.

PRIVATE to this collection. A probe action plugin subclasses ``WindowsProbeAction``, declares
``ARGUMENT_SPEC`` and ``PROBE`` (the gather module it runs on the node, e.g. ``win_server_facts``), and implements ``_probe_params(args)`` (the module's
arguments), ``_evaluate(data, args)`` (the module's ``facts`` -> findings) and optionally ``_check_args(args)``. The entries
it evaluates are those the catalogue says it implements (``implemented_by``; ``_catalogue.entries_of``).
"""

from __future__ import annotations

import time

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.safeq.preflight.plugins.module_utils._findings import error_finding
from ansible_collections.safeq.preflight.plugins.plugin_utils import _catalogue, _node_runner, _option_rules


def is_windows(action):
    """True when the task's host is Windows: a powershell or cmd shell (winrm, psrp, or ssh to Windows).

    ansible-core up to 2.20 gives winrm the powershell shell; 2.21 gives it the cmd shell (family ``cmd``).
    """
    shell = getattr(action._connection, '_shell', None)
    return getattr(shell, 'SHELL_FAMILY', None) in ('powershell', 'cmd')


def module_name(action):
    """The short name of the task's module (``safeq.preflight.server_check`` -> ``server_check``)."""
    return action._task.action.rsplit('.', 1)[-1]


def error_findings(entry_ids, reason, detail):
    """One ``error`` finding per entry that a failed probe could not evaluate."""
    return [error_finding(entry_id, reason, detail) for entry_id in entry_ids]


def enrich_findings(findings):
    """Fill ``source`` and missing remediation from the catalogue."""
    catalogue = _catalogue.load()
    return [_catalogue.enrich(item, catalogue) for item in findings]


def node_failed(result, exc, entry_ids):
    """Fill ``result`` for a node run that did not complete (``_node_runner.NodeUnreachable`` or ``NodeModuleError``): an
    unreachable node is ``unreachable``; a module that failed is ``failed``, and every entry it evaluates is
    ``error`` / ``probe-failed`` with the module's message."""
    if isinstance(exc, _node_runner.NodeUnreachable):
        result.update(unreachable=True, msg='Node unreachable after one retry: %s' % exc)
        return result
    result.update(exc.to_result())
    result.update(failed=True, findings=enrich_findings(error_findings(entry_ids, 'probe-failed', exc.msg)))
    return result


def run_python_module(action, result, task_vars):
    """Run the action's own Python module on a POSIX host (controller or delegated); read-only: never ``changed``."""
    result.update(action._execute_module(module_name='safeq.preflight.' + module_name(action),
                                         module_args=action._task.args, task_vars=task_vars))
    result['changed'] = False
    if 'findings' in result:
        result['findings'] = enrich_findings(result['findings'])
    return result


def async_started(result, started):
    """Fill ``result`` for a task run with ``async``: the gather was started in the background, nothing evaluated yet."""
    result.update(started)
    result['changed'] = False
    return result


class WindowsProbeAction(ActionBase):
    """Run one PowerShell gather module on a Windows node and evaluate its facts in Python."""

    TRANSFERS_FILES = False
    ARGUMENT_SPEC = {}
    PROBE = ''

    def _probe_params(self, args):
        raise NotImplementedError

    def _evaluate(self, data, args):
        raise NotImplementedError

    def _check_args(self, args):
        """Value checks beyond the argument spec (``_option_rules``); raise AnsibleActionFail naming the option and value."""
        problems = _option_rules.messages(module_name(self), args, argument_spec=self.ARGUMENT_SPEC, raw=self._task.args)
        if problems:
            raise AnsibleActionFail('; '.join(problems))

    def run(self, tmp=None, task_vars=None):
        self._supports_check_mode = True
        self._supports_async = is_windows(self)  # the exec wrapper's async; a non-Windows host is refused below
        result = {'changed': False}
        try:
            result.update(super().run(tmp, task_vars))
            result['changed'] = False
            dummy, args = self.validate_argument_spec(argument_spec=self.ARGUMENT_SPEC)
            self._check_args(args)
        except AnsibleActionFail as exc:
            result.update(failed=True, msg=str(exc))
            return result
        if not is_windows(self):
            result.update(failed=True, msg='%s gathers facts on Windows nodes with PowerShell; host %s does not use a PowerShell '
                          'or cmd shell (connect with winrm or psrp, or ssh with ansible_shell_type=powershell).'
                          % (self._task.action, (task_vars or {}).get('inventory_hostname', 'this host')))
            return result
        params = self._probe_params(args)
        self._probe_started = time.time()  # the controller's time just before the node is contacted (clock advisory)
        try:
            data = _node_runner.run_module(self, self.PROBE, params, task_vars)
        except (_node_runner.NodeUnreachable, _node_runner.NodeModuleError) as exc:
            return node_failed(result, exc, _catalogue.entries_of(module_name(self)))
        except ValueError as exc:
            result.update(failed=True, msg=str(exc))
            return result
        if self._task.async_val:
            return async_started(result, data)
        result['facts'] = data
        result['findings'] = enrich_findings(self._evaluate(data, args))
        return result
