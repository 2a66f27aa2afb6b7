# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Counting entries in bounded memory: the digest table against Python's set, the tally against counts the test knows."""

from __future__ import annotations

import pytest

from ansible_collections.safeq.preflight.plugins.module_utils.ldap import _ldap_tally

hypothesis = pytest.importorskip('hypothesis')
from hypothesis import given, settings, strategies as st  # noqa: E402  pylint: disable=wrong-import-position

ATTRIBUTES = {'login': 'uid', 'first_name': 'givenName', 'surname': 'sn', 'department': 'departmentNumber',
              'card_number': 'employeeNumber', 'unique_id': 'entryUUID', 'email': 'mail'}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=-(1 << 63), max_value=(1 << 63) - 1).filter(bool), max_size=3000), st.sampled_from([1, 2, 64]))
def test_digest_set_agrees_with_a_python_set(keys, capacity_hint):
    digests, reference = _ldap_tally.DigestSet(capacity_hint * 2), set()
    expected = []
    for position, key in enumerate(keys):
        if key in reference:
            expected.append(position)
        reference.add(key)
    assert digests.update(keys) == expected
    assert len(digests) == len(reference)
    assert all(digests.add(key) for key in reference)


def test_digest_set_colliding_slots_probe_on():
    digests = _ldap_tally.DigestSet(8)
    same_slot = [8 * n + 3 for n in range(1, 4)]  # one home slot while the table has 8 slots
    assert digests.update(same_slot) == []
    assert digests.update(same_slot[::-1]) == [0, 1, 2]


def _entry(n, **attributes):
    values = {'uid': [b'user%d' % n], 'givenname': True, 'sn': True, 'departmentnumber': True, 'employeenumber': [b'%d' % (4000 + n)],
              'entryuuid': [b'uuid-%d' % n], 'mail': True, 'modifytimestamp': True}
    for name, value in attributes.items():
        if value is None:
            values.pop(name, None)
        else:
            values[name] = value
    return (b'uid=user%d,ou=People' % n, {k.encode(): v for k, v in values.items()})


def test_counts_missing_examples_and_duplicates_across_pages_and_containers():
    tally = _ldap_tally.Tally(ATTRIBUTES, ('modifyTimestamp', 'entryCSN'), 2)
    people, staff = {'dn': 'ou=People'}, {'dn': 'ou=Staff'}
    tally.open_container(people)
    tally.add_page([_entry(1), _entry(2, departmentnumber=None), _entry(3, departmentnumber=None, mail=None)])
    tally.add_page([_entry(4, employeenumber=[b'4001']), _entry(5, departmentnumber=None), _entry(6, employeenumber=[b'4001'])])
    tally.close_container()
    tally.open_container(staff)
    tally.add_page([_entry(7, uid=[b'user1']), _entry(8, entryuuid=[bytes([0x9f, 0x00, 0x41, 0xfe])]), _entry(9, entryuuid=[bytes([0x9f, 0x00, 0x41, 0xfe])])])
    tally.close_container()

    assert (people['users'], staff['users'], tally.users) == (6, 3, 9)
    assert people['present']['department'] == 3 and staff['present']['department'] == 3
    assert people['missing_examples']['department'] == ['uid=user2,ou=People', 'uid=user3,ou=People']  # capped at 2
    assert people['missing_examples']['email'] == ['uid=user3,ou=People'] and staff['missing_examples']['email'] == []
    assert tally.present_by_role() == {'login': 9, 'first_name': 9, 'surname': 9, 'department': 6, 'card_number': 9, 'unique_id': 9, 'email': 8}
    duplicates = tally.duplicates()
    assert duplicates['card_number'] == {'values': 1, 'examples': [{'value': '4001', 'entries': 3,
                                                                    'dns': ['uid=user4,ou=People', 'uid=user6,ou=People']}]}
    assert duplicates['login'] == {'values': 1, 'examples': [{'value': 'user1', 'entries': 2, 'dns': ['uid=user7,ou=People']}]}
    assert duplicates['unique_id']['examples'] == [{'value': '9f0041fe', 'entries': 2, 'dns': ['uid=user9,ou=People']}]
    assert tally.change_tracking() == {'modifyTimestamp': 9, 'entryCSN': 0}


def test_many_duplicate_values_are_counted_but_examples_stay_capped():
    tally = _ldap_tally.Tally(ATTRIBUTES, (), 3)
    tally.open_container({'dn': 'ou=People'})
    for start in range(0, 2000, 500):  # every card number held by two users
        tally.add_page([_entry(n, employeenumber=[b'%d' % (n // 2)]) for n in range(start, start + 500)])
    tally.close_container()
    duplicates = tally.duplicates()['card_number']
    assert duplicates['values'] == 1000 and len(duplicates['examples']) == 3
    assert all(example['entries'] == 2 for example in duplicates['examples'])


def test_value_keys_are_the_unique_roles_lower_case():
    assert _ldap_tally.Tally(dict(ATTRIBUTES, login='sAMAccountName'), (), 1).value_keys() == {b'samaccountname', b'employeenumber', b'entryuuid'}


def test_disabled_accounts_by_flag_bit():
    tally = _ldap_tally.Tally(ATTRIBUTES, (), 1, ('userAccountControl', 2))
    assert b'useraccountcontrol' in tally.value_keys()
    tally.open_container({'dn': 'CN=Users'})
    tally.add_page([_entry(1, useraccountcontrol=[b'512']), _entry(2, useraccountcontrol=[b'514']), _entry(3, useraccountcontrol=[b'66050']),
                    _entry(4), _entry(5, useraccountcontrol=[b'garbage'])])
    tally.close_container()
    assert (tally.disabled, tally.disabled_examples) == (2, ['uid=user2,ou=People'])  # 514 = 512 | 2, 66050 = 65536 | 512 | 2


def test_card_numbers_compare_as_their_matching_rule_does():
    """employeeNumber is caseIgnoreMatch: 04A1 and 04a1, or ' 04A1 ' and '04  a1' padded, are one card for the directory."""
    tally = _ldap_tally.Tally(ATTRIBUTES, (), 5)
    tally.open_container({'dn': 'ou=People'})
    tally.add_page([_entry(1, employeenumber=[b'04A1']), _entry(2, employeenumber=[b'04a1']), _entry(3, employeenumber=[b' AB\tCD ']),
                    _entry(4, employeenumber=[b'ab  cd']), _entry(5, employeenumber=['\uff21\uff22'.encode()]), _entry(6, employeenumber=[b'ab']),
                    _entry(7, employeenumber=[b'0001']), _entry(8, employeenumber=[b'1']), _entry(9, employeenumber=[b'abcd'])])
    tally.close_container()
    duplicates = tally.duplicates()['card_number']
    # 04A1/04a1, ' AB\tCD '/'ab  cd', fullwidth AB/ab; 0001 and 1 differ (a string rule, not a number), abcd differs from 'ab cd'
    assert duplicates['values'] == 3
    # an example shows the value as the repeating entry holds it (every holder is looked up by the server's own match later)
    assert sorted((e['value'], e['dns']) for e in duplicates['examples']) == [
        ('04a1', ['uid=user2,ou=People']), ('ab', ['uid=user6,ou=People']), ('ab  cd', ['uid=user4,ou=People'])]
    assert tally.duplicates()['login']['values'] == 0  # logins keep comparing byte for byte
    assert _ldap_tally.card_key(b'4000000001') == b'4000000001'
