# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for safeq.preflight.sql_browser_probe.

On a Windows node every exchange runs in ONE command of the win_port_probe PowerShell module (the node's socket
engine, shared with port_check: raw bytes only; the TDS exchange takes its port from the Browser's answer on the
node); on the controller or a POSIX host the module itself runs. Either way Python parses and decides.
"""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.safeq.preflight.plugins.module_utils.mssql import _sql_probe
from ansible_collections.safeq.preflight.plugins.plugin_utils import _catalogue, _doc_spec, _node_runner, _option_rules
from ansible_collections.safeq.preflight.plugins.plugin_utils._action import enrich_findings, is_windows, node_failed, run_python_module

ARGUMENT_SPEC = _doc_spec.argument_spec('sql_browser_probe')  # the module's own copy (module_utils) is held equal by a unit test


class ActionModule(ActionBase):
    """Probe the SQL Server Browser and TDS port from the task's host."""

    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(ARGUMENT_SPEC)

    def _windows_probe(self, args, task_vars):
        probe_args = (args['host'], args['instance'], args['timeout'], args['prelogin'], args['dac'], args['browser_port'],
                      args['query_instance'])
        params = _sql_probe.node_probes(*probe_args)
        data = _node_runner.run_module(self, 'win_port_probe', params, task_vars)
        results = data.get('results')
        asked = [probe['id'] for probe in params['probes']]
        if not isinstance(results, list) or [raw.get('id') for raw in results if isinstance(raw, dict)] != asked:
            raise _node_runner.NodeModuleError('win_port_probe answered for %s, asked for %s'
                                               % ([raw.get('id') for raw in results or [] if isinstance(raw, dict)], asked))
        return _sql_probe.run_probe(_sql_probe.node_exchange(params['probes'], results), *probe_args)

    def run(self, tmp=None, task_vars=None):
        self._supports_check_mode = True
        result = {'changed': False}
        try:
            result.update(super().run(tmp, task_vars))
            result['changed'] = False
            dummy, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        except AnsibleActionFail as exc:
            result.update(failed=True, msg=str(exc))
            return result
        messages = _option_rules.messages('sql_browser_probe', args, argument_spec=ARGUMENT_SPEC, raw=self._task.args)
        if messages:
            result.update(failed=True, msg='; '.join(messages))
            return result
        if not is_windows(self):
            return self._vantage(run_python_module(self, result, task_vars), task_vars)
        try:
            obs = self._windows_probe(args, task_vars)
        except (_node_runner.NodeUnreachable, _node_runner.NodeModuleError) as exc:
            return node_failed(result, exc, _catalogue.entries_of('sql_browser_probe'))
        if obs['browser']['outcome'] == 'dns-failure':
            result.update(failed=True, msg="Invalid value for option 'host': %r does not resolve on %s (%s)"
                          % (args['host'], (task_vars or {}).get('inventory_hostname', 'the node'), obs['browser']['message']))
            return result
        result.update(_sql_probe.summarise(obs))
        result['findings'] = enrich_findings(_sql_probe.evaluate(obs, args['min_version']))
        return self._vantage(result, task_vars)

    def _vantage(self, result, task_vars):
        """Record where the exchanges ran (``probed_from``: the delegated host, else the task's host); a probe that did not run
        from the node it is recorded for never passes for the node's CML -> DB flow (``_sql_probe.from_vantage``)."""
        node = (task_vars or {}).get('inventory_hostname')
        probed_from = self._task.delegate_to or node
        result['probed_from'] = probed_from
        if 'findings' in result:
            result['findings'] = enrich_findings(_sql_probe.from_vantage(result['findings'], node, probed_from))
        return result
