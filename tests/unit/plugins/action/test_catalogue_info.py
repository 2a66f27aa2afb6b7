# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the catalogue_info action plugin."""

from __future__ import annotations

from unittest.mock import MagicMock

import pytest

from ansible_collections.safeq.preflight.plugins.action.catalogue_info import ActionModule
from ansible_collections.safeq.preflight.plugins.plugin_utils import _catalogue


def _run(args):
    task = MagicMock()
    task.args = args
    task.check_mode = False
    task.async_val = 0
    task.action = 'safeq.preflight.catalogue_info'
    plugin = ActionModule(task, MagicMock(), MagicMock(), loader=None, templar=None, shared_loader_obj=None)
    return plugin.run(task_vars={})


def test_lists_everything_with_applicability():
    result = _run({'features': ['external_db']})
    assert result['count'] == len(_catalogue.load()) and not result.get('failed')
    by_id = {e['id']: e for e in result['entries']}
    assert by_id['net.other.udp-1434-cml-db']['applies'] is True
    assert by_id['net.cluster.tcp-4111']['applies_reason'] == 'feature-not-used'
    assert 'cluster' in result['features']


def test_filters():
    assert {e['area'] for e in _run({'area': 'ldap'})['entries']} == {'ldap'}
    assert [e['id'] for e in _run({'ids': ['server.admin-rights']})['entries']] == ['server.admin-rights']


@pytest.mark.parametrize('args, message', [
    ({'features': ['clustr']}, "Invalid value for option 'features': unknown feature(s) 'clustr'"),
    ({'ids': ['server.nope']}, "Invalid value for option 'ids': 'server.nope' not in the catalogue"),
    ({'server_role': 'dc'}, 'server_role'),
])
def test_bad_input(args, message):
    result = _run(args)
    assert result['failed'] is True and message in result['msg']
