# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's protocol code for lab scripts, imported from this source tree (also outside pytest)."""

from __future__ import annotations

import os
import sys

from tests.lab import lab

try:
    import ansible_collections.safeq.preflight.plugins.module_utils  # noqa: F401  pylint: disable=unused-import
except ImportError:
    sys.path.insert(0, lab.collections_path(os.path.join(lab.REPO_ROOT, 'tests', 'lab', 'run')))

# pylint: disable=wrong-import-position
from ansible_collections.safeq.preflight.plugins.module_utils.mssql import _ssrp as ssrp  # noqa: E402,F401
from ansible_collections.safeq.preflight.plugins.module_utils.mssql import _tds as tds  # noqa: E402,F401
from ansible_collections.safeq.preflight.plugins.module_utils.mssql import _sql_probe as sql_probe  # noqa: E402,F401

from ansible_collections.safeq.preflight.plugins.module_utils.ports import _port_check as port_check  # noqa: E402,F401
from ansible_collections.safeq.preflight.plugins.module_utils.ports import _port_engine as port_engine  # noqa: E402,F401
from ansible_collections.safeq.preflight.plugins.module_utils.ldap import _ldap_audit as ldap_audit  # noqa: E402,F401
from ansible_collections.safeq.preflight.plugins.module_utils.ldap import _ldap_evaluate as ldap_evaluate  # noqa: E402,F401
from ansible_collections.safeq.preflight.plugins.module_utils.ldap import _ldap_channel as ldap_channel  # noqa: E402,F401
from ansible_collections.safeq.preflight.plugins.module_utils.ldap import _ldap_wire as ldap_wire  # noqa: E402,F401
from ansible_collections.safeq.preflight.plugins.module_utils.ports import _port_evaluate as port_evaluate  # noqa: E402,F401
from ansible_collections.safeq.preflight.plugins.module_utils.ports import _firewall as firewall  # noqa: E402,F401
from ansible_collections.safeq.preflight.plugins.plugin_utils import _catalogue as catalogue  # noqa: E402,F401

__all__ = ['ssrp', 'tds', 'sql_probe', 'port_check', 'port_engine', 'ldap_audit', 'ldap_evaluate', 'ldap_channel', 'ldap_wire', 'port_evaluate',
           'firewall', 'catalogue']
