# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for safeq.preflight.server_check (documentation in plugins/modules/server_check.py)."""

from __future__ import annotations

import datetime
import time

from ansible_collections.safeq.preflight.plugins.module_utils import _hotfix_dates, _server_eval
from ansible_collections.safeq.preflight.plugins.plugin_utils._action import WindowsProbeAction

_DEFAULTS = _server_eval.DEFAULT_POLICY
WINDOWS_UPDATE_TIMEOUT = 300


class ActionModule(WindowsProbeAction):
    """Gather server facts with the win_server_facts module and evaluate them in Python."""

    _VALID_ARGS = frozenset(('share', 'min_os_build', 'supported_builds', 'supported_editions', 'allow_server_core', 'allow_client_os',
                             'min_logical_processors', 'min_memory_gb', 'min_disk_free_gb', 'patch_max_age_days', 'install_dir',
                             'browser_min_versions', 'declared_address', 'clock_max_offset_s', 'windows_update_search',
                             'windows_update_timeout'))
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
        'clock_max_offset_s': {'type': 'int', 'default': _DEFAULTS['clock_max_offset_s']},
        'windows_update_search': {'type': 'bool', 'default': False},
        'windows_update_timeout': {'type': 'int', 'default': WINDOWS_UPDATE_TIMEOUT},
    }

    def run(self, tmp=None, task_vars=None):
        # the controller's time around the gather: the node read its clock in between (clock advisory)
        self._window = [time.time()]
        return super().run(tmp, task_vars)

    def _probe_params(self, args):
        params = {'share': args.get('share') or ''}
        if args['windows_update_search']:  # only then: the module's defaults leave the slow search out
            params.update(windows_update_search=True, windows_update_timeout=args['windows_update_timeout'])
        return params

    def _evaluate(self, data, args):
        policy = {name: args[name] for name in _DEFAULTS}
        today = datetime.date.today()
        window = (self._window[0], time.time()) if getattr(self, '_window', None) else None
        return _server_eval.evaluate(_hotfix_dates.normalise(data, today), policy, today, share_requested=bool(args.get('share')),
                                     declared=args.get('declared_address') or None, window=window,
                                     update_search=args['windows_update_search'])
