# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Counting a stream of directory entries in bounded memory. PRIVATE to this collection.

Per container and overall: users, how many have each mapped attribute, a few DNs missing each one; over
the whole directory: values of login, card number and unique ID held by more than one entry. Memory is
counters, a few examples, and one 8-byte slot per distinct unique value in a flat table (no object per
value), so a 100,000-user directory costs a few megabytes more than a 10,000-user one.
"""

from __future__ import annotations

import unicodedata
from array import array

ATTRIBUTE_ROLES = ('login', 'first_name', 'surname', 'department', 'card_number', 'unique_id', 'email')
UNIQUE_ROLES = ('login', 'card_number', 'unique_id')
_MAX_DNS_PER_DUPLICATE = 3


class DigestSet:
    """A set of non-zero signed 64-bit digests in one ``array('q')`` (open addressing, linear probing, at most half full)."""

    def __init__(self, capacity=1 << 12):
        self._table = array('q', bytes(8 * capacity))
        self._mask = capacity - 1
        self._used = 0

    def __len__(self):
        return self._used

    def add(self, key):
        """Insert ``key``; True when it was already there."""
        return bool(self.update([key]))

    def update(self, keys):
        """Insert each of ``keys`` (a list) in turn; the positions (in ``keys``) of those already there."""
        needed = self._used + len(keys)
        if needed * 2 > len(self._table):
            size = len(self._table)
            while needed * 2 > size:
                size *= 2
            old, self._table, self._mask, self._used = self._table, array('q', bytes(8 * size)), size - 1, 0
            self._insert(key for key in old if key)
        return self._insert(keys)

    def _insert(self, keys):
        repeats = []
        table, mask, used = self._table, self._mask, self._used
        for position, key in enumerate(keys):
            i = key & mask
            slot = table[i]
            while slot and slot != key:
                i = (i + 1) & mask
                slot = table[i]
            if slot:
                repeats.append(position)
            else:
                table[i] = key
                used += 1
        self._used = used
        return repeats


def card_key(value):
    """A card number as its attribute's equality rule compares it: employeeNumber is caseIgnoreMatch (RFC 2798; a Unicode
    String on AD, compared without case), with RFC 4518's insignificant space handling: NFKC, case folded, leading and trailing
    spaces dropped, inner runs of spaces (tabs, other separators) one. Digits only, the usual card number, are already that."""
    if value.isdigit():
        return value
    return ' '.join(unicodedata.normalize('NFKC', value.decode('utf-8', 'replace')).casefold().split()).encode('utf-8')


def _shown(role, value):
    """A value as text; a binary unique ID (objectGUID) as hex."""
    if role == 'unique_id':
        text = value.decode('latin-1')
        return text if value.isascii() and text.isprintable() else value.hex()
    return value.decode('utf-8', 'replace')


class Tally:
    """Counts entries; ``attributes`` maps role -> attribute name, ``tracking`` names change-tracking attributes."""

    def __init__(self, attributes, tracking, examples_limit, disabled_flag=None):
        """``disabled_flag``: (attribute, bit mask) that marks a disabled account, e.g. ('userAccountControl', 2) on AD."""
        self._keys = [attributes[role].lower().encode('utf-8') for role in ATTRIBUTE_ROLES]
        self._disabled_flag = (disabled_flag[0].lower().encode('utf-8'), disabled_flag[1]) if disabled_flag else None
        self.disabled = 0
        self.disabled_examples = []
        self._unique = [(self._keys[ATTRIBUTE_ROLES.index(role)], role, DigestSet()) for role in UNIQUE_ROLES]
        self._repeated = {role: DigestSet() for role in UNIQUE_ROLES}
        self._examples = {role: {} for role in UNIQUE_ROLES}
        self._example_values = {role: {} for role in UNIQUE_ROLES}
        self._tracking = [(name, name.lower().encode('utf-8')) for name in tracking]
        self._tracking_seen = [0] * len(tracking)
        self._limit = examples_limit
        self.users = 0
        self.present = [0] * len(ATTRIBUTE_ROLES)
        self._container = None
        self._present = self._missing = None
        self._users = 0

    def value_keys(self):
        """Lower-case names (bytes) whose values the tally reads; of the other attributes only presence counts."""
        return {key for key, dummy, dummy2 in self._unique} | ({self._disabled_flag[0]} if self._disabled_flag else set())

    def open_container(self, container):
        """Count the following entries into ``container`` (a dict; users, present and missing_examples are set on close)."""
        self._container = container
        self._present = [0] * len(ATTRIBUTE_ROLES)
        self._missing = [[] for dummy in ATTRIBUTE_ROLES]
        self._users = 0

    def close_container(self):
        container = self._container
        container['users'] = self._users
        container['present'] = dict(zip(ATTRIBUTE_ROLES, self._present))
        container['missing_examples'] = dict(zip(ATTRIBUTE_ROLES, self._missing))
        self.users += self._users
        self.present = [a + b for a, b in zip(self.present, self._present)]
        self._container = None

    def add_page(self, entries):
        """A page of entries, each (dn bytes, {lower-case name bytes: [value bytes] or True}); absent attributes are left out."""
        self._users += len(entries)
        for i, key in enumerate(self._keys):
            got = [attributes.get(key) for dummy, attributes in entries]
            missing = got.count(None)
            self._present[i] += len(got) - missing
            examples = self._missing[i]
            if missing and len(examples) < self._limit:
                examples.extend(dn.decode('utf-8', 'replace') for dn, attributes in entries if key not in attributes)
                del examples[self._limit:]
        for key, role, seen in self._unique:
            # hash() of bytes is a 64-bit SipHash: a false duplicate among 100,000 values is about 1 in 10**9.
            if role == 'card_number':
                digests = [hash(card_key(value)) or 1 for dummy, attributes in entries for value in attributes.get(key, ())]
            else:
                digests = [hash(value) or 1 for dummy, attributes in entries for value in attributes.get(key, ())]
            repeats = seen.update(digests)
            if repeats:
                holders = [(value, dn) for dn, attributes in entries for value in attributes.get(key, ())]
                for position in repeats:
                    self._repeat(role, digests[position], *holders[position])
        for i, (dummy, key) in enumerate(self._tracking):
            self._tracking_seen[i] += sum(1 for dummy2, attributes in entries if key in attributes)
        if self._disabled_flag:
            self._count_disabled(entries, *self._disabled_flag)

    def _count_disabled(self, entries, key, mask):
        for dn, attributes in entries:
            values = attributes.get(key)
            if values and values[0].isdigit() and int(values[0]) & mask:
                self.disabled += 1
                if len(self.disabled_examples) < self._limit:
                    self.disabled_examples.append(dn.decode('utf-8', 'replace'))

    def _repeat(self, role, digest, value, dn):
        """``value`` of a unique role (held by ``dn``) seen before: the rare path."""
        examples = self._examples[role]
        if not self._repeated[role].add(digest) and len(examples) < self._limit:
            examples[digest] = {'value': _shown(role, value), 'entries': 1, 'dns': []}
            self._example_values[role][digest] = value
        example = examples.get(digest)
        if example is not None:
            example['entries'] += 1
            if len(example['dns']) < _MAX_DNS_PER_DUPLICATE:
                example['dns'].append(dn.decode('utf-8', 'replace'))

    def duplicates(self):
        """Per unique role: how many values more than one entry holds, and examples (value, entries, DNs seen repeating it)."""
        return {role: {'values': len(self._repeated[role]), 'examples': list(self._examples[role].values())} for role in UNIQUE_ROLES}

    def example_values(self):
        """(role, example dict, raw value) of each duplicate example, so its holders can be looked up."""
        return [(role, example, self._example_values[role][digest]) for role in UNIQUE_ROLES for digest, example in self._examples[role].items()]

    def change_tracking(self):
        return {name: count for (name, dummy), count in zip(self._tracking, self._tracking_seen)}

    def present_by_role(self):
        return dict(zip(ATTRIBUTE_ROLES, self.present))
