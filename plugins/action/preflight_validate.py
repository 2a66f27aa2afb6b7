# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for safeq.preflight.preflight_validate (documentation in plugins/modules/preflight_validate.py)."""

from __future__ import annotations

import datetime
import difflib
import os
import tempfile

from ansible.plugins.action import ActionBase

from ansible.errors import AnsibleError

from ansible_collections.safeq.preflight.plugins.plugin_utils import _catalogue, _doc_spec, _inputs, _option_rules, _policy, _selection
from ansible_collections.safeq.preflight.plugins.plugin_utils.ports import _port_derive

FAIL_ON = ('fail', 'warn', 'never')


def _suggest(value, known):
    close = difflib.get_close_matches(str(value), list(known), n=1)
    return " (did you mean '%s'?)" % close[0] if close else ''


def check_features(features, catalogue):
    """Messages for safeq_features."""
    if not isinstance(features, list) or not all(isinstance(item, str) for item in features):
        return ['safeq_features: must be a list of feature names, got %r' % (features,)]
    return ["safeq_features: unknown feature '%s'%s" % (name, _suggest(name, catalogue.features))
            for name in _catalogue.unknown_features(features, catalogue)]


def check_report_dir(path):
    """Messages for safeq_report_dir: the directory exists (or can be created) and is writable."""
    if not isinstance(path, str) or not path.strip():
        return ['safeq_report_dir: must be a directory path, got %r' % (path,)]
    try:
        os.makedirs(path, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix='.safeq-write-test-'):
            pass
    except OSError as exc:
        return ["safeq_report_dir: '%s' is not a writable directory (%s)" % (path, exc.strerror or exc)]
    return []


def check_nodes(nodes, features):
    """Messages for what the site's features require of each node (``nodes``: host -> plain values of its variables)."""
    messages = []
    for host, hostvars in sorted(nodes.items()):
        role = hostvars.get('safeq_server_role', 'cml')
        if 'external_db' in features and role == 'cml' and not hostvars.get('safeq_db_host'):
            messages.append("safeq_db_host: not set for host %s, but safeq_features contains 'external_db'" % host)
        if 'ldap_replication' in features and role == 'cml' and not (hostvars.get('safeq_ldap_servers') and hostvars.get('safeq_ldap_base_dns')):
            messages.append("safeq_ldap_servers and safeq_ldap_base_dns: not set for host %s, but safeq_features contains 'ldap_replication'" % host)
        if 'network_install' in features and not hostvars.get('safeq_install_share'):
            messages.append("safeq_install_share: not set for host %s, but safeq_features contains 'network_install'" % host)
        if bool(hostvars.get('safeq_ldap_privileged_bind_dn')) != bool(hostvars.get('safeq_ldap_privileged_bind_password')):
            messages.append('safeq_ldap_privileged_bind_dn and safeq_ldap_privileged_bind_password: give both or neither (host %s)' % host)
        messages += ['safeq_peers on host %s: %s' % (host, problem) for problem in _port_derive.peer_problems(hostvars.get('safeq_peers', {}))]
    return messages


def check_resets(nodes, addresses):
    """Messages for safeq_peers_answer_resets naming SafeQ servers (``addresses``: node to its ansible_host; the host's
    safeq_peers addresses of cml, ors and crs), per host."""
    messages = []
    for host, hostvars in sorted(nodes.items()):
        value = hostvars.get('safeq_peers_answer_resets', [])
        messages += ['safeq_peers_answer_resets on host %s: %s' % (host, problem)
                     for problem in _port_derive.resets_problems(value, addresses, hostvars.get('safeq_peers'))]
    return messages


def check_site_ports(nodes, addresses):
    """Messages for safeq_peers_running (ORS/CRS already running, never a node of the run) and safeq_ftp_passive_ports (the
    configured passive FTP range), per host (``addresses``: node to its ansible_host)."""
    messages = []
    roles = {host: hostvars.get('safeq_server_role', 'cml') for host, hostvars in nodes.items()}
    for host, hostvars in sorted(nodes.items()):
        messages += ['safeq_peers_running on host %s: %s' % (host, problem) for problem in
                     _port_derive.running_problems(hostvars.get('safeq_peers_running', []), addresses, hostvars.get('safeq_peers'), roles)]
        messages += ['safeq_ftp_passive_ports on host %s: %s' % (host, problem)
                     for problem in _port_derive.ftp_passive_problems(hostvars.get('safeq_ftp_passive_ports'))]
    return messages


def _vantage_plan_differences(nodes):
    """Messages for a variable of the run_once vantage plan (``_inputs.VANTAGE_PLAN_VARIABLES``) that two nodes have differently
    (a node that does not set it has its role default), naming the variable, the first two nodes and their values."""
    specs, messages = _inputs.role_specs(), []
    for name in _inputs.VANTAGE_PLAN_VARIABLES:
        spec = specs.get(name) or {}
        seen = {}
        for host, values in sorted(nodes.items()):
            seen.setdefault(repr(values.get(name, spec.get('default'))), (host, values.get(name, spec.get('default'))))
        if len(seen) < 2:
            continue
        (first, one), (second, other) = list(seen.values())[:2]
        shown = ('(values not shown: %s is a secret)' % name if spec.get('no_log')
                 else '(%s: %s, %s: %s)' % (first, _option_rules.show(one), second, _option_rules.show(other)))
        messages.append('%s: differs between the nodes %s and %s %s; the vantage points probe once for the whole run with one '
                        "node's plan, so set it once for all nodes (for example in group_vars/all)" % (name, first, second, shown))
    return messages


def check_site_wide(nodes, site):
    """Messages for values that must be one for the whole site: a site-wide variable a node has differently from the run
    (``site``: the values preflight_validate was given), and the directory's variables, audited once for all CML nodes."""
    messages = []
    for name, value in sorted(site.items()):
        hosts = [host for host, values in sorted(nodes.items()) if name in values and values[name] != value]
        if hosts:
            messages.append('%s: host%s %s set%s it differently from the run (%s): set site-wide variables once for all hosts '
                            '(for example in group_vars/all)' % (name, 's' if len(hosts) > 1 else '', ', '.join(hosts),
                                                                 '' if len(hosts) > 1 else 's', _option_rules.show(value)))
    messages += _vantage_plan_differences(nodes)
    cml = {host: values for host, values in nodes.items() if values.get('safeq_server_role', 'cml') == 'cml'}
    for name in sorted(_inputs.DIRECTORY_VARIABLES):
        distinct = {repr(values.get(name)) for values in cml.values()}
        if len(distinct) > 1:
            messages.append('%s: differs between the CML nodes %s; the directory is audited once for the site, so set it once for '
                            'all of them' % (name, ', '.join(sorted(cml))))
    return messages


def normalized_selection(nodes, patterns):
    """``(nodes, site)`` to compare the nodes' selection variables with the run's: unset, empty and null are all "no
    pattern" (``[]``), so only a node that really selects otherwise differs."""
    compared = {host: dict(values, **{name: values[name] or [] for name in _selection.VARIABLES if name in values})
                for host, values in nodes.items()}
    return compared, {name: _option_rules.plain(value) or [] for name, value in patterns.items()}


def _host_variables(hostvars):
    """The collection's variables of one host as plain values, and the problems met while templating them."""
    values, problems = {}, []
    for name in list(hostvars.keys()):
        if not name.startswith('safeq_') or name in _inputs.INTERNAL:
            continue
        try:
            values[name] = _option_rules.plain(hostvars[name])
        except AnsibleError as exc:
            problems.append((name, 'cannot be templated (%s)' % str(exc).splitlines()[0]))
    return values, problems


def check_variables(nodes):
    """``(messages, values)``: a message for every bad collection variable of every node (naming the variable, the value
    and the hosts), and each node's variables as plain values."""
    specs, argument_specs = _inputs.role_specs(), _inputs.role_argument_specs()
    by_problem, values = {}, {}
    for host, hostvars in sorted(nodes.items()):
        values[host], problems = _host_variables(hostvars)
        problems += _inputs.check_variables(values[host], specs)
        named = {name for name, dummy in problems}
        # the roles' own argument specs, as Ansible validates a role (the playbook imports the node roles without that
        # per-node task): anything it refuses that the rules above let through is refused too
        problems += [(name, problem) for name, problem in _inputs.role_spec_problems(values[host], argument_specs) if name not in named]
        for name, problem in problems:
            by_problem.setdefault((name, problem), []).append(host)
    return ['%s: %s (host%s %s)' % (name, problem, 's' if len(hosts) > 1 else '', ', '.join(hosts))
            for (name, problem), hosts in sorted(by_problem.items())], values


class ActionModule(ActionBase):
    """Validate the site profile, waivers, attestations and report directory on the controller."""

    TRANSFERS_FILES = False
    ARGUMENT_SPEC = _doc_spec.argument_spec('preflight_validate')

    def run(self, tmp=None, task_vars=None):
        self._supports_check_mode = True
        result = super().run(tmp, task_vars)
        result['changed'] = False
        dummy, args = self.validate_argument_spec(argument_spec=self.ARGUMENT_SPEC)
        catalogue = _catalogue.load()
        today = datetime.date.today()
        features = args['features'] if args['features'] is not None else []
        messages = check_features(features, catalogue)
        if args['fail_on'] not in FAIL_ON:
            messages.append("safeq_fail_on: '%s' is not one of %s" % (args['fail_on'], ', '.join(FAIL_ON)))
        messages += _policy.validate_waivers(args['waivers'] or [], catalogue.ids, today)
        messages += _policy.validate_attestations(args['attestations'] or [], catalogue.ids, today)
        patterns = _selection.task_var_patterns(task_vars or {}, self._templar)
        messages += _selection.check_selection(patterns, catalogue.ids)
        if 'nodes_group' in self._task.args and not isinstance(args['nodes_group'], str):
            messages.append('safeq_nodes_group: %s is not the name of an inventory group' % _option_rules.show(args['nodes_group']))
        elif 'nodes_group' in self._task.args and not args['nodes']:
            messages.append("safeq_nodes_group: the inventory group '%s' has no hosts: no SafeQ node would be checked" % args['nodes_group'])
        ftp_passive_ports = {}
        if isinstance(features, list):
            hostvars = (task_vars or {}).get('hostvars', {})
            variable_messages, values = check_variables({host: hostvars.get(host, {}) for host in args['nodes']})
            site = {'safeq_features': features, 'safeq_fail_on': args['fail_on']}
            if args.get('nodes_group') is not None:  # the node play's second validation passes its hosts, not the group
                site['safeq_nodes_group'] = args['nodes_group']
            # the selection is the run's, read where the validate play reads it (localhost): a node that sets it otherwise
            # (host or group variables) is refused, as the plays and the report follow the run's
            run_vars = hostvars['localhost'] if 'localhost' in hostvars else (task_vars or {})
            compared, selection = normalized_selection(values, _selection.task_var_patterns(run_vars, self._templar))
            site.update(selection)
            messages += variable_messages + check_nodes(values, features) + check_site_wide(compared, site)
            addresses = {host: [hostvars.get(host, {}).get('ansible_host')] for host in args['nodes']}
            messages += check_resets(values, addresses) + check_site_ports(values, addresses)
            # one value for every node (check_site_wide): the report's firewall section lists the range the nodes were probed on
            ftp_passive_ports = next((item['safeq_ftp_passive_ports'] for item in values.values() if item.get('safeq_ftp_passive_ports')), {})
        report_dir = args['report_dir']
        if isinstance(report_dir, str) and report_dir.strip():
            report_dir = os.path.abspath(os.path.expanduser(report_dir))
        messages += check_report_dir(report_dir)
        if messages:
            result.update(failed=True, errors=messages,
                          msg='The pre-installation check was not started: %d problem(s) in its input. %s' % (len(messages), ' | '.join(messages)))
            return result
        modules = _selection.selected_modules(catalogue, patterns['safeq_checks_include'], patterns['safeq_checks_exclude'])
        result.update(report_dir=report_dir, nodes=list(args['nodes']), ftp_passive_ports=ftp_passive_ports, modules=modules,
                      started=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds'),
                      msg='Input is valid: %d feature(s), %d waiver(s), %d attestation(s), %d node(s).'
                      % (len(features), len(args['waivers'] or []), len(args['attestations'] or []), len(args['nodes'])))
        return result
