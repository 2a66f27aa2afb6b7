# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for safeq.preflight.port_check.

On a Windows node all probes run in one WinRM command through the win_port_probe PowerShell module (raw
socket outcomes only); on the controller or a POSIX host the module itself runs. Python classifies.
"""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.safeq.preflight.plugins.module_utils.ports import _port_check, _port_targets
from ansible_collections.safeq.preflight.plugins.plugin_utils import _catalogue, _doc_spec, _node_runner, _option_rules
from ansible_collections.safeq.preflight.plugins.plugin_utils._action import (async_started, enrich_findings, error_findings, is_windows,
                                                                              node_failed, run_python_module)

ARGUMENT_SPEC = _doc_spec.argument_spec('port_check')  # the module's own copy (module_utils) is held equal by a unit test


class ActionModule(ActionBase):
    """Probe TCP/UDP reachability from the task's host."""

    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(ARGUMENT_SPEC)

    def _validate(self, result):
        try:
            dummy, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
            problems = _option_rules.messages('port_check', args, secret=('snmp_community',), argument_spec=ARGUMENT_SPEC, raw=self._task.args)
            if problems:
                raise AnsibleActionFail('; '.join(problems))
            specs = _port_check.prepare(args)
        except (AnsibleActionFail, _port_targets.TargetError) as exc:
            result.update(failed=True, msg=str(exc))
            return None, None
        unknown = _catalogue.unknown_ids(sorted({s['entry'] for s in specs if s['entry']}))
        if unknown:
            result.update(failed=True, msg='targets[].entry: %s not in the catalogue (list it with playbooks/list_catalogue.yml)'
                          % ', '.join(repr(item) for item in unknown))
            return None, None
        return args, specs

    def run(self, tmp=None, task_vars=None):
        self._supports_check_mode = True
        # async runs the probes in the background on a Windows node (the exec wrapper's async); not on the controller.
        self._supports_async = is_windows(self)
        result = {'changed': False}
        result.update(super().run(tmp, task_vars))
        result['changed'] = False
        args, specs = self._validate(result)
        if args is None:
            return result
        # Every flow row says from where it was probed: the delegated host (a vantage point) or the task's host.
        args['source'] = args.get('source') or self._task.delegate_to or (task_vars or {}).get('inventory_hostname') or 'localhost'
        self._task.args['source'] = args['source']
        if not is_windows(self):
            return run_python_module(self, result, task_vars)
        entries = sorted({s['entry'] for s in specs if s['entry']})
        try:
            probes, alias = _port_check.shared(specs)
            data = _node_runner.run_module(self, 'win_port_probe', _port_check.to_windows(probes, args), task_vars)
            if self._task.async_val:
                return async_started(result, data)
            raws = _port_check.fan_out([_port_check.from_windows(raw) for raw in data.get('results', [])], alias)
            result.update(_port_check.finish(specs, raws, args, windows=True))
        except (_node_runner.NodeUnreachable, _node_runner.NodeModuleError) as exc:
            return node_failed(result, exc, entries)
        except (ValueError, KeyError, TypeError) as exc:
            result.update(failed=True, msg='win_port_probe answered something unusable: %s' % exc,
                          findings=enrich_findings(error_findings(entries, 'probe-failed', str(exc))))
            return result
        result['findings'] = enrich_findings(result['findings'])
        return result
