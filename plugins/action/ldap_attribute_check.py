# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for safeq.preflight.ldap_attribute_check: checks the options, runs the module on a POSIX host, enriches its findings."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.safeq.preflight.plugins.plugin_utils import _doc_spec, _option_rules
from ansible_collections.safeq.preflight.plugins.plugin_utils._action import is_windows, run_python_module

ARGUMENT_SPEC = _doc_spec.argument_spec('ldap_attribute_check')  # the module's own copy is held equal by a unit test
_SECRETS = tuple(name for name, spec in ARGUMENT_SPEC.items() if spec.get('no_log'))


class ActionModule(ActionBase):
    """The LDAP audit needs Python (ldap3): it runs on the controller or a delegated POSIX host."""

    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        self._supports_check_mode = True
        result = super().run(tmp, task_vars)
        result['changed'] = False
        if is_windows(self):
            result.update(failed=True,
                          msg='ldap_attribute_check runs Python (ldap3) and cannot run on the Windows host %s: add delegate_to: localhost '
                              '(and run_once: true)' % (task_vars or {}).get('inventory_hostname', ''))
            return result
        try:
            dummy, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        except AnsibleActionFail as exc:
            result.update(failed=True, msg=str(exc))
            return result
        if self._connection.transport != 'local':  # ca_file names a file on the host the module runs on, not here
            args = dict(args, ca_file=None)
        problems = _option_rules.messages('ldap_attribute_check', args, secret=_SECRETS, argument_spec=ARGUMENT_SPEC, raw=self._task.args)
        if problems:
            result.update(failed=True, msg='; '.join(problems))
            return result
        return run_python_module(self, result, task_vars)
