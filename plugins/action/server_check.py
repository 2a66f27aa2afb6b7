# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for safeq.preflight.server_check (documentation in plugins/modules/server_check.py)."""

from __future__ import annotations

import datetime
import time

from ansible_collections.safeq.preflight.plugins.plugin_utils.windows import _hotfix_dates, _server_eval
from ansible_collections.safeq.preflight.plugins.plugin_utils import _doc_spec
from ansible_collections.safeq.preflight.plugins.plugin_utils._action import WindowsProbeAction

_DEFAULTS = _server_eval.DEFAULT_POLICY


class ActionModule(WindowsProbeAction):
    """Gather server facts with the win_server_facts module and evaluate them in Python."""

    PROBE = 'win_server_facts'
    ARGUMENT_SPEC = _doc_spec.argument_spec('server_check')
    _VALID_ARGS = frozenset(ARGUMENT_SPEC)

    def _probe_params(self, args):
        params = {'share': args.get('share') or ''}
        if args['windows_update_search']:  # only then: the module's defaults leave the slow search out
            params.update(windows_update_search=True, windows_update_timeout=args['windows_update_timeout'])
        return params

    def _evaluate(self, data, args):
        policy = {name: args[name] for name in _DEFAULTS}
        today = datetime.date.today()
        # the controller's time around the module run (from just before the node is contacted): the node read its clock in between
        started = getattr(self, '_probe_started', None)
        window = (started, time.time()) if started is not None else None
        return _server_eval.evaluate(_hotfix_dates.normalise(data, today), policy, today, share_requested=bool(args.get('share')),
                                     declared=args.get('declared_address') or None, window=window,
                                     update_search=args['windows_update_search'])
