# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Per-node input checks of preflight_validate: each message names the variable, the host and the value."""

from __future__ import annotations

from ansible_collections.safeq.preflight.plugins.action.preflight_validate import check_nodes


def test_peers_with_an_unknown_name_or_a_bare_string_are_named():
    messages = check_nodes({'cml1': {'safeq_peers': {'smpt': ['mx1'], 'printer': '10.1.2.3'}}, 'cml2': {'safeq_peers': {'smtp': ['mx1']}}}, [])
    assert messages[0].startswith("safeq_peers on host cml1: unknown peer name 'smpt' (known: ")
    assert messages[1] == "safeq_peers on host cml1: printer must be a list of host names or addresses, got '10.1.2.3'"
    assert len(messages) == 2


def test_valid_nodes_give_no_message():
    assert check_nodes({'cml1': {'safeq_peers': {'smtp': ['mx1'], 'printer': ['10.1.2.3']}, 'safeq_server_role': 'cml'}}, []) == []
