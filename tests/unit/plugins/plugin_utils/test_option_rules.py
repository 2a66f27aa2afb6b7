# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The option value rules that the modules' own checks used to repeat: one table, messages naming the option and value."""

from __future__ import annotations

import pytest

from ansible_collections.safeq.preflight.plugins.module_utils.mssql import _sql_probe
from ansible_collections.safeq.preflight.plugins.module_utils.ports import _port_targets
from ansible_collections.safeq.preflight.plugins.plugin_utils import _option_rules

try:
    import ldap3  # noqa: F401  # pylint: disable=unused-import
    HAS_LDAP3 = True
except ImportError:  # pragma: no cover - ldap3 is in tests/unit/requirements.txt
    HAS_LDAP3 = False

PORT_OPTIONS = {'targets': [{'host': 'h', 'port': 1}], 'timeout': 1.0, 'deadline': 60.0, 'retries': 1, 'concurrency': 10,
                'snmp_community': 'public', 'tls_min_days': 30}


@pytest.mark.parametrize('change, message', [
    ({'timeout': 0.0}, "option 'timeout': 0.0 is outside 0.05-60"), ({'deadline': 0.0}, "option 'deadline': 0.0 is outside 0.1-3600"),
    ({'retries': -1}, "option 'retries': -1 is outside 0-10"), ({'retries': 11}, "option 'retries': 11 is outside 0-10"),
    ({'concurrency': 0}, "option 'concurrency': 0 is outside 1-1024"), ({'snmp_community': 'x' * 65}, "option 'snmp_community': longer than 64"),
    ({'snmp_community': 'é' * 40}, "option 'snmp_community': longer than 64 bytes of UTF-8"),
    ({'targets': [{'host': 'h', 'port': 0}]}, "option 'targets': targets[0].port: 0 is outside 1-65535"),
])
def test_port_check_scalar_options_are_checked_by_the_one_table(change, message):
    assert _option_rules.messages('port_check', PORT_OPTIONS, secret=('snmp_community',)) == []
    messages = _option_rules.messages('port_check', dict(PORT_OPTIONS, **change), secret=('snmp_community',))
    assert len(messages) == 1 and message in messages[0], messages
    assert 'x' * 10 not in messages[0] and 'é' * 10 not in messages[0], 'a community string is never echoed'


def test_the_older_per_module_range_checks_are_gone():
    """The modules' own copies of the ranges are deleted: a range is written in _option_rules only."""
    assert not hasattr(_port_targets, 'check_options') and not hasattr(_sql_probe, 'check_options')
    from ansible_collections.safeq.preflight.plugins.modules import ldap_attribute_check
    assert not hasattr(ldap_attribute_check, 'check_options')


@pytest.mark.parametrize('options, message', [
    ({'host': ''}, "option 'host': an empty string"),
    ({'host': 'db', 'instance': 'x' * 33}, "option 'instance': '%s' is not a SQL Server instance name" % ('x' * 33)),
    ({'host': 'db', 'instance': 'SAFE\x00Q'}, "option 'instance': 'SAFE\\x00Q' is not a SQL Server instance name"),
    ({'host': 'db', 'instance': 'ΣAFEQ'}, "option 'instance': 'ΣAFEQ' is not a SQL Server instance name"),
    ({'host': 'db', 'timeout': 0.0}, "option 'timeout': 0.0 is outside 0.1-60"),
    ({'host': 'db', 'timeout': 61.0}, "option 'timeout': 61.0 is outside 0.1-60"),
])
def test_sql_browser_probe_options(options, message):
    messages = _option_rules.messages('sql_browser_probe', options)
    assert len(messages) == 1 and message in messages[0], messages


def test_an_instance_name_the_rules_accept_can_be_sent_to_the_browser():
    """What the rule lets through, the SSRP encoder carries (no traceback after the check passed)."""
    from ansible_collections.safeq.preflight.plugins.module_utils.mssql import _ssrp
    for name in ('SAFEQ', '_x', 'AÄlpha', 'A' * 16):
        assert _option_rules.messages('sql_browser_probe', {'host': 'db', 'instance': name}) == []
        assert _ssrp.ucast_inst(name)


@pytest.mark.skipif(not HAS_LDAP3, reason='ldap3 parses the filter')
@pytest.mark.parametrize('value, problem', [('(uid=a', "'(uid=a' is not an LDAP filter"), (['(uid=a)'], "['(uid=a)'] is not a string")])
def test_ldap_user_filter_is_checked_with_the_other_options(value, problem):
    options = {'servers': ['dc1'], 'base_dns': ['People'], 'thresholds': {'email': 120}, 'user_filter': value}
    messages = _option_rules.messages('ldap_attribute_check', options)
    assert any(message.startswith("Invalid value for option 'user_filter': %s" % problem) for message in messages), messages
    assert "Invalid value for option 'thresholds': email: 120 is outside 0-100" in messages
    assert any(message.startswith("Invalid value for option 'base_dns': item 0: 'People' is not a DN") for message in messages)
    assert _option_rules.messages('ldap_attribute_check', {'user_filter': '(&(objectClass=person)(uid=*))'}) == []


@pytest.mark.parametrize('bases, message', [
    (['OU=Staff,DC=x', 'OU=Prague,OU=Staff,DC=x'],
     "Invalid value for option 'base_dns': item 1: 'OU=Prague,OU=Staff,DC=x' lies under item 0: 'OU=Staff,DC=x'"),
    (['ou=Prague, ou=Staff, dc=x', 'OU=STAFF,DC=X'],
     "Invalid value for option 'base_dns': item 0: 'ou=Prague, ou=Staff, dc=x' lies under item 1: 'OU=STAFF,DC=X'"),
    (['ou=Staff,dc=x', 'OU=Staff, DC=x'], "Invalid value for option 'base_dns': item 1: 'OU=Staff, DC=x' repeats item 0: 'ou=Staff,dc=x'"),
])
def test_nested_or_repeated_base_dns_are_refused_by_name(bases, message):
    """A subtree search of the upper DN reads the lower one too: its users would be counted twice and called duplicates."""
    messages = _option_rules.messages('ldap_attribute_check', {'base_dns': bases})
    assert len(messages) == 1 and messages[0].startswith(message), messages


def test_sibling_base_dns_and_a_lookalike_name_are_accepted():
    bases = ['OU=Staff,DC=x', 'OU=Guests,DC=x', 'OU=Staff,DC=x2', 'OU=Prague,OU=Staff2,DC=x']
    assert _option_rules.messages('ldap_attribute_check', {'base_dns': bases}) == []
