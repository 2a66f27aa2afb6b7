# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for safeq.preflight.server_check (documentation in plugins/modules/server_check.py)."""

from __future__ import annotations

import datetime

from ansible_collections.safeq.preflight.plugins.module_utils import _hotfix_dates, _server_eval
from ansible_collections.safeq.preflight.plugins.plugin_utils._action import WindowsProbeAction

_DEFAULTS = _server_eval.DEFAULT_POLICY


class ActionModule(WindowsProbeAction):
    """Gather server facts with the win_server_facts module and evaluate them in Python."""

    _VALID_ARGS = frozenset(('share', 'min_os_build', 'supported_builds', 'supported_editions', 'allow_server_core', 'allow_client_os',
                             'min_logical_processors', 'min_memory_gb', 'min_disk_free_gb', 'patch_max_age_days', 'install_dir',
                             'browser_min_versions', 'declared_address'))
    PROBE = 'win_server_facts'
    ENTRY_IDS = ('server.admin-rights', 'server.supported-platform', 'server.windows-installer-45', 'server.web-browser',
                 'server.security-patches', 'server.hardware-minimum', 'server.ip-addresses-prepared', 'server.antivirus',
                 'server.shared-folder')
    ARGUMENT_SPEC = {
        'share': {'type': 'str'},
        'declared_address': {'type': 'str'},
        'min_os_build': {'type': 'int', 'default': _DEFAULTS['min_os_build']},
        'supported_builds': {'type': 'list', 'elements': 'int', 'default': list(_DEFAULTS['supported_builds'])},
        'supported_editions': {'type': 'list', 'elements': 'str', 'default': list(_DEFAULTS['supported_editions'])},
        'allow_server_core': {'type': 'bool', 'default': _DEFAULTS['allow_server_core']},
        'allow_client_os': {'type': 'bool', 'default': _DEFAULTS['allow_client_os']},
        'browser_min_versions': {'type': 'dict', 'default': {}},
        'min_logical_processors': {'type': 'int', 'default': _DEFAULTS['min_logical_processors']},
        'min_memory_gb': {'type': 'float', 'default': _DEFAULTS['min_memory_gb']},
        'min_disk_free_gb': {'type': 'float', 'default': _DEFAULTS['min_disk_free_gb']},
        'patch_max_age_days': {'type': 'int', 'default': _DEFAULTS['patch_max_age_days']},
        'install_dir': {'type': 'str', 'default': _DEFAULTS['install_dir']},
    }

    def _probe_params(self, args):
        return {'share': args.get('share') or ''}

    def _evaluate(self, data, args):
        policy = {name: args[name] for name in _DEFAULTS}
        return _server_eval.evaluate(_hotfix_dates.normalise(data), policy, datetime.date.today(),
                                     share_requested=bool(args.get('share')), declared=args.get('declared_address') or None)
