# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for safeq.preflight.windows_feature_check (documentation in plugins/modules/windows_feature_check.py)."""

from __future__ import annotations

from ansible_collections.safeq.preflight.plugins.plugin_utils.windows import _feature_eval
from ansible_collections.safeq.preflight.plugins.plugin_utils import _doc_spec
from ansible_collections.safeq.preflight.plugins.plugin_utils.ports import _inbound_ports
from ansible_collections.safeq.preflight.plugins.plugin_utils._action import WindowsProbeAction


class ActionModule(WindowsProbeAction):
    """Gather Windows features, services, listeners and software; evaluate them in Python."""

    PROBE = 'win_feature_facts'
    ARGUMENT_SPEC = _doc_spec.argument_spec('windows_feature_check')
    _VALID_ARGS = frozenset(ARGUMENT_SPEC)

    @staticmethod
    def _inbound(args):
        return _inbound_ports.inbound(args['site_features'], args['server_role'])

    def _probe_params(self, args):
        server, client = _feature_eval.query_names(list(_feature_eval.WEB_SERVER_FEATURES + _feature_eval.PRINT_FEATURES)
                                                   + args['present'] + args['absent'])
        inbound = self._inbound(args)
        tcp = sorted(set(_feature_eval.PORTS) | {item['port'] for item in inbound if item['proto'] == 'tcp'}
                     | {_feature_eval.LDAP_FALLBACK_PORT})
        return {'features': server, 'optional_features': client, 'services': list(_feature_eval.SERVICES), 'ports': tcp,
                'service_display_names': list(dict.fromkeys(_feature_eval.SERVICE_DISPLAY_NAMES + tuple(args['conflicting_software'])
                                                            + tuple(args['database_software']))),
                'udp_ports': sorted({item['port'] for item in inbound if item['proto'] == 'udp'})}

    def _evaluate(self, data, args):
        return _feature_eval.evaluate(data, args['allowed_software'], present=args['present'], absent=args['absent'],
                                      inbound=self._inbound(args), conflicting_software=args['conflicting_software'],
                                      database_software=args['database_software'])
