# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for safeq.preflight.catalogue_info (documentation in plugins/modules/catalogue_info.py)."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.safeq.preflight.plugins.plugin_utils import _catalogue, _doc_spec


class ActionModule(ActionBase):
    """List catalogue entries and whether they apply to a site profile; never contacts a host."""

    TRANSFERS_FILES = False
    ARGUMENT_SPEC = _doc_spec.argument_spec('catalogue_info')

    def run(self, tmp=None, task_vars=None):
        self._supports_check_mode = True
        result = {'changed': False}
        try:
            result.update(super().run(tmp, task_vars))
            result['changed'] = False
            dummy, args = self.validate_argument_spec(argument_spec=self.ARGUMENT_SPEC)
        except AnsibleActionFail as exc:
            result.update(failed=True, msg=str(exc))
            return result
        catalogue = _catalogue.load()
        unknown = _catalogue.unknown_features(args['features'], catalogue)
        if unknown:
            result.update(failed=True, msg="Invalid value for option 'features': unknown feature(s) %s (known: %s)"
                          % (', '.join(repr(u) for u in unknown), ', '.join(sorted(catalogue.features))))
            return result
        unknown = _catalogue.unknown_ids(args['ids'] or [], catalogue)
        if unknown:
            result.update(failed=True, msg="Invalid value for option 'ids': %s not in the catalogue" % ', '.join(repr(u) for u in unknown))
            return result
        entries = []
        for entry in catalogue.entries:
            if args['ids'] and entry['id'] not in args['ids']:
                continue
            if args['area'] and entry['area'] != args['area']:
                continue
            applies, reason = _catalogue.applicability(entry, args['features'], args['server_role'])
            entries.append(dict(entry, applies=applies, applies_reason=reason))
        result.update(entries=entries, count=len(entries), features=catalogue.features)
        return result
