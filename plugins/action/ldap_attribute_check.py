# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for safeq.preflight.ldap_attribute_check: runs the module on a POSIX host, enriches its findings."""

from __future__ import annotations

from ansible.plugins.action import ActionBase

from ansible_collections.safeq.preflight.plugins.plugin_utils._action import is_windows, run_python_module


class ActionModule(ActionBase):
    """The LDAP audit needs Python (ldap3): it runs on the controller or a delegated POSIX host."""

    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        self._supports_check_mode = True
        result = super().run(tmp, task_vars)
        if is_windows(self):
            result.update(failed=True, changed=False,
                          msg='ldap_attribute_check runs Python (ldap3) and cannot run on the Windows host %s: add delegate_to: localhost '
                              '(and run_once: true)' % (task_vars or {}).get('inventory_hostname', ''))
            return result
        return run_python_module(self, result, task_vars)
