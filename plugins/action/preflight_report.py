# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for safeq.preflight.preflight_report (documentation in plugins/modules/preflight_report.py)."""

from __future__ import annotations

import datetime

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible.release import __version__ as ansible_core_version
from ansible.utils.display import Display

from ansible_collections.safeq.preflight.plugins.plugin_utils.windows import _server_eval
from ansible_collections.safeq.preflight.plugins.module_utils._findings import finding
from ansible_collections.safeq.preflight.plugins.plugin_utils import _catalogue, _doc_spec, _node_records, _selection
from ansible_collections.safeq.preflight.plugins.plugin_utils.ports import _port_derive
from ansible_collections.safeq.preflight.plugins.plugin_utils.report import _report, _report_diff, _report_render
from ansible_collections.safeq.preflight.plugins.plugin_utils._collection import collection_version

display = Display()


def host_result(hostvars, results_var, kept=None, limit=None):
    """Turn one host's registered module results into the report's host input: ``kept`` (the records the check roles kept for
    it on the controller, ``safeq_preflight_node_results``), then those the host appended itself to ``results_var``.

    ``ran`` lists the modules that completed, ``failed`` maps a module that failed to its message, and ``not_run`` maps a
    module whose task was skipped on this (reachable) host to the reason: the report makes their entries ``error``.
    """
    collected = list(kept or ()) + list(hostvars.get(results_var) or ())
    findings, ran, messages = [], [], []
    failed, not_run = {}, {}
    hardware = firewall = None
    reachable = True
    for item in collected:
        module = item.get('module', 'unknown')
        result = item.get('result') or {}
        if result.get('unreachable'):
            reachable = False
            messages.append('%s: %s' % (module, result.get('msg', 'unreachable')))
            continue
        if result.get('skipped'):
            if item.get('targets') == 0:  # a target-driven module with nothing to probe on this host: it had nothing to do
                ran.append(module)
            else:
                not_run[module] = result.get('skip_reason') or 'the task was skipped'
            continue
        findings.extend(result.get('findings') or [])
        if module == 'server_check' and isinstance((result.get('facts') or {}).get('hardware'), dict):
            hardware = result['facts']['hardware']
        if module == 'server_check' and isinstance((result.get('facts') or {}).get('firewall'), dict):
            firewall = result['facts']['firewall']  # the report's Windows Firewall section (_report_firewall)
        if result.get('failed'):
            failed[module] = str(result.get('msg') or 'failed without a message')
            messages.append('%s: %s' % (module, failed[module]))
        else:
            ran.append(module)
    if not collected:
        reachable = False
        messages.append('no check ran on this host (it failed or was unreachable before the checks started%s)'
                        % ('; or the run\'s --limit %s left it out' % limit if limit else ''))
    return {'server_role': hostvars.get('safeq_server_role', 'cml'), 'reachable': reachable, 'message': '; '.join(messages),
            'findings': findings, 'ran': ran, 'failed': failed, 'not_run': not_run, 'hardware': hardware, 'firewall': firewall}


def add_cluster_comparison(host_results, features):
    """With a CML cluster, compare the nodes' hardware across the run ("all nodes of the clusters"): a node that differs
    from the largest by more than 10 % gets a warning on server.hardware-minimum beside its own minimum check."""
    if 'cluster' not in features:
        return
    nodes = {host: result.get('hardware') for host, result in host_results.items()
             if result.get('server_role') == 'cml' and result.get('reachable')}
    status, detail, differing = _server_eval.cluster_alike(nodes)
    for host in differing:
        host_results[host]['findings'].append(_catalogue.enrich(finding('server.hardware-minimum', status, 'cluster-nodes-differ', detail)))


def site_result(controller_vars, site_var):
    """The site input: the results recorded once for the whole site (on the controller), as a host result plus where and when."""
    records = controller_vars.get(site_var) or []
    result = host_result({site_var: records}, site_var) if records else {'findings': [], 'ran': [], 'message': ''}
    result.update(reachable=True, measured=[{'module': item.get('module', 'unknown'), 'from': item.get('measured_from', 'controller'),
                                             'at': item.get('measured_at', '')}
                                            for item in records if not (item.get('result') or {}).get('skipped')])
    return result


class ActionModule(ActionBase):
    """Aggregate every host's findings into one report, write it, print a summary, apply the exit policy."""

    TRANSFERS_FILES = False
    ARGUMENT_SPEC = _doc_spec.argument_spec('preflight_report')

    def run(self, tmp=None, task_vars=None):
        self._supports_check_mode = True
        result = super().run(tmp, task_vars)
        result['changed'] = False
        task_vars = task_vars or {}
        try:
            dummy, args = self.validate_argument_spec(argument_spec=self.ARGUMENT_SPEC)
        except AnsibleActionFail as exc:
            result.update(failed=True, msg=str(exc))
            return result
        try:  # the passive FTP row on the range the nodes were probed on (the firewall section lists its ports)
            catalogue = _port_derive.with_site_ports(_catalogue.load(), args['ftp_passive_ports'])
        except _port_derive.DeriveError as exc:
            result.update(failed=True, msg=str(exc))
            return result
        hostvars = task_vars.get('hostvars', {})
        kept = _node_records.registered(hostvars, 'localhost', args['node_results_var']) or {}  # megabytes: read, not templated again
        limit = (task_vars or {}).get('ansible_limit')  # a node a limit leaves out is still reported: no check ran there
        host_results = {host: host_result(hostvars.get(host, {}), args['results_var'], kept.get(host), limit) for host in args['hosts']}
        add_cluster_comparison(host_results, args['features'])
        now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds')
        run_meta = {
            'started': args['started'] or now,
            'finished': now,
            'collection_version': collection_version(),
            'ansible_core_version': ansible_core_version,
            'check_mode': bool(self._task.check_mode),
            'inventory_hosts': list(args['hosts']),
            'features': list(args['features']),
            'fail_on': args['fail_on'],
        }
        site = site_result(hostvars.get('localhost', {}), args['site_results_var'])
        selection = {'include': args['checks_include'], 'exclude': args['checks_exclude'],
                     'tags': sorted(_selection.selected_tags(args['run_tags'], args['skip_tags']))}
        run_meta['selection'] = selection
        if not _selection.node_checks_selected(catalogue, selection):
            for host in args['hosts']:  # nothing was to run on the nodes: not contacted, not unreachable
                if not hostvars.get(host, {}).get(args['results_var']) and not kept.get(host):
                    host_results[host].update(reachable=None, message='not contacted: no node check was selected in this run')
        report = _report.build_report(host_results, catalogue, args['features'], args['waivers'], args['attestations'],
                                      args['fail_on'], run_meta, site_result=site, selection=selection)
        try:
            if args['keep_previous']:
                previous, previous_path = _report_diff.rotate(args['report_dir'], args['basename'])
                if previous:
                    report['since_last_run'] = _report_diff.compare(previous, report, previous_path)
            paths = _report_render.write_reports(report, args['report_dir'], args['basename'])
        except OSError as exc:
            result.update(failed=True, msg="safeq_report_dir: cannot write the report to '%s': %s" % (args['report_dir'], exc))
            return result
        summary = _report_render.console_summary(report)
        summary += '\nReports:\n' + '\n'.join('  %-8s %s' % (kind, path) for kind, path in sorted(paths.items()))
        display.display(summary)
        result.update(report_paths=paths, summary=report['summary'])
        if report['summary']['verdict'] == 'blocked':
            errors = sum(1 for row in report['blocking'] if row['status'] == 'error')
            result.update(failed=True, msg='Pre-installation check blocked: %d unwaived finding(s)%s (safeq_fail_on=%s). Reports: %s'
                          % (len(report['blocking']), ', %d of them could not be evaluated (error)' % errors if errors else '',
                             args['fail_on'], paths.get('html')))
        else:
            result['msg'] = 'Pre-installation check passed (safeq_fail_on=%s). Reports: %s' % (args['fail_on'], paths.get('html'))
        return result
