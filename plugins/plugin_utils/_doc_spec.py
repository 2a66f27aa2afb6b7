# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An action plugin's argument spec read from its module's DOCUMENTATION, so the options are written once.

PRIVATE to this collection. Like ansible.utils' validate action, the documented ``options`` (with ``suboptions``) become
an ``argument_spec`` for ``ActionBase.validate_argument_spec``: type, elements, default, choices, required, aliases, and
``no_log`` from ``_NO_LOG``. A Python module that runs on a POSIX host keeps a spec of its own in module_utils (its host may
have no PyYAML); a unit test holds it equal to this one.
"""

from __future__ import annotations

import importlib

import yaml

_KEYS = ('type', 'elements', 'default', 'choices', 'required', 'no_log', 'aliases')
# The secrets: DOCUMENTATION has no no_log key, so it is laid over the documented spec here (a unit test holds every option
# whose name says secret to no_log). Not a second spec: only this flag, by option name, for every module of the collection.
_NO_LOG = frozenset(('bind_password', 'privileged_bind_password', 'snmp_community'))


def _options(options):
    spec = {}
    for name, option in (options or {}).items():
        spec[name] = {key: option[key] for key in _KEYS if key in option}
        if name in _NO_LOG:
            spec[name]['no_log'] = True
        if 'suboptions' in option:
            spec[name]['options'] = _options(option['suboptions'])
    return spec


def argument_spec(module):
    """The argument spec documented by ``plugins/modules/<module>.py`` of this collection."""
    doc = importlib.import_module('ansible_collections.safeq.preflight.plugins.modules.%s' % module).DOCUMENTATION
    return _options(yaml.safe_load(doc).get('options'))
