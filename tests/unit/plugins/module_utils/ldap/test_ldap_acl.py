# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The access check of one right against a DACL, on security descriptors built byte by byte ([MS-DTYP] 2.4)."""

from __future__ import annotations

import struct
import uuid

import pytest

from ansible_collections.safeq.preflight.plugins.module_utils.ldap import _ldap_acl as acl

USER = 'S-1-5-21-3034264144-4173828073-1397476923-1107'
AU, EVERYONE = 'S-1-5-11', 'S-1-1-0'
TOKEN = {USER, AU, EVERYONE, 'S-1-5-21-3034264144-4173828073-1397476923-513'}
DEPARTMENT = 'bf96794f-0de6-11d0-a285-00aa003049e2'  # schemaIDGUID of department
PUBLIC_INFORMATION = 'e48d0154-bcf8-11d1-8702-00c04fb96050'  # its property set (attributeSecurityGUID)
MAIL = 'bf967961-0de6-11d0-a285-00aa003049e2'
INHERITED, INHERIT_ONLY, CONTAINER_INHERIT = 0x10, 0x08, 0x02


def sid(text):
    parts = [int(p) for p in text.split('-')[1:]]
    return bytes((parts[0], len(parts) - 2)) + parts[1].to_bytes(6, 'big') + struct.pack('<%dI' % (len(parts) - 2), *parts[2:])


def ace(allow, who, mask, flags=0, object_type=None, inherited_object_type=None):
    if object_type is None and inherited_object_type is None:
        body = struct.pack('<I', mask) + sid(who)
        kind = 0x00 if allow else 0x01
    else:
        present = (1 if object_type else 0) | (2 if inherited_object_type else 0)
        body = struct.pack('<II', mask, present) + b''.join(uuid.UUID(g).bytes_le for g in (object_type, inherited_object_type) if g) + sid(who)
        kind = 0x05 if allow else 0x06
    return bytes((kind, flags)) + struct.pack('<H', 4 + len(body)) + body


def descriptor(*aces, dacl=True):
    """Self-relative SD: owner, then the DACL (control SE_DACL_PRESENT | SE_SELF_RELATIVE)."""
    owner = sid('S-1-5-32-544')
    body = b''.join(aces)
    acl_bytes = struct.pack('<BBHHH', 4, 0, 8 + len(body), len(aces), 0) + body
    header_size = 20
    if not dacl:
        return struct.pack('<BBHIIII', 1, 0, 0x8000, header_size, 0, 0, 0) + owner
    return struct.pack('<BBHIIII', 1, 0, 0x8004, header_size, 0, 0, header_size + len(owner)) + owner + acl_bytes


def check(sd, right, object_types=(), token=None):
    return acl.access(acl.parse_dacl(sd), TOKEN if token is None else token, right, object_types)[0]


def test_sid_and_guid_texts():
    assert acl.sid_text(sid(USER)) == (USER, len(sid(USER)))
    assert acl.sid_text(sid(EVERYONE))[0] == EVERYONE
    assert acl.guid_text(uuid.UUID(DEPARTMENT).bytes_le) == DEPARTMENT
    assert acl.sid_name(AU) == 'S-1-5-11 (Authenticated Users)' and acl.sid_name(USER) == USER


def test_the_default_ou_grant_and_a_deny_for_the_account_before_it():
    default = ace(True, AU, 0x20094)  # (A;;RPLCLORC;;;AU)
    assert check(descriptor(default), acl.LIST_CONTENTS) == 'granted'
    denied = descriptor(ace(False, USER, acl.LIST_CONTENTS | acl.READ_PROPERTY, CONTAINER_INHERIT), default)  # (D;CI;LCRP;;;user)
    assert check(denied, acl.LIST_CONTENTS) == 'denied'
    verdict, deciding = acl.access(acl.parse_dacl(denied), TOKEN, acl.LIST_CONTENTS)
    assert acl.describe(verdict, deciding, acl.LIST_CONTENTS) == 'List Contents is denied to it by an ACE for %s' % USER
    assert check(denied, acl.LIST_CONTENTS, token={AU, EVERYONE}) == 'granted'  # another account is not affected


def test_order_decides_an_allow_first_wins_over_a_later_deny():
    sd = descriptor(ace(True, AU, 0x20094), ace(False, USER, acl.LIST_CONTENTS, INHERITED))
    assert check(sd, acl.LIST_CONTENTS) == 'granted'


def test_inherit_only_entries_do_not_apply_to_the_object_itself():
    sd = descriptor(ace(False, USER, acl.LIST_CONTENTS, INHERIT_ONLY | CONTAINER_INHERIT), ace(True, AU, 0x20094))
    assert check(sd, acl.LIST_CONTENTS) == 'granted'


def test_nothing_granted_is_not_granted():
    sd = descriptor(ace(True, 'S-1-5-32-544', 0xF01FF))
    verdict, deciding = acl.access(acl.parse_dacl(sd), TOKEN, acl.LIST_CONTENTS)
    assert (verdict, deciding) == ('not-granted', None)
    assert acl.describe(verdict, deciding, acl.LIST_CONTENTS) == 'List Contents is granted to none of its SIDs'


def test_a_null_dacl_grants_everything_and_generic_rights_are_mapped():
    assert check(descriptor(dacl=False), acl.LIST_CONTENTS) == 'granted'
    assert check(descriptor(ace(True, EVERYONE, 0x80000000)), acl.READ_PROPERTY, (DEPARTMENT,)) == 'granted'  # GENERIC_READ
    assert check(descriptor(ace(False, USER, 0x10000000), ace(True, AU, 0x20094)), acl.LIST_CONTENTS) == 'denied'  # GENERIC_ALL


@pytest.mark.parametrize('first, expected', [
    (ace(False, USER, acl.READ_PROPERTY, 0, DEPARTMENT), 'denied'),  # (OD;;RP;department;;user)
    (ace(False, USER, acl.READ_PROPERTY, 0, PUBLIC_INFORMATION), 'denied'),  # its property set
    (ace(False, USER, acl.READ_PROPERTY, 0, MAIL), 'granted'),  # another attribute: does not apply
    (ace(False, USER, acl.READ_PROPERTY, 0, None, 'bf967aba-0de6-11d0-a285-00aa003049e2'), 'denied'),  # only an inherited object type
])
def test_read_property_object_entries(first, expected):
    sd = descriptor(first, ace(True, AU, acl.READ_PROPERTY, 0, PUBLIC_INFORMATION))
    assert check(sd, acl.READ_PROPERTY, (DEPARTMENT, PUBLIC_INFORMATION)) == expected


def test_an_object_entry_with_an_object_type_does_not_decide_list_contents():
    sd = descriptor(ace(False, USER, acl.LIST_CONTENTS, 0, DEPARTMENT), ace(True, AU, 0x20094))
    assert check(sd, acl.LIST_CONTENTS) == 'granted'


@pytest.mark.parametrize('cut', [3, 17, 30, 50])
def test_a_truncated_descriptor_is_an_acl_error(cut):
    sd = descriptor(ace(False, USER, acl.LIST_CONTENTS), ace(True, AU, 0x20094, 0, DEPARTMENT))
    with pytest.raises(acl.AclError):
        acl.parse_dacl(sd[:cut])
