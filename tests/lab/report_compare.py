# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compare two JSON reports of runs on the same site: what they found must be identical, when they ran aside."""

from __future__ import annotations

import re

# keys whose values say when (or how long), never what was found
TIME_KEYS = frozenset(('started', 'finished', 'measured_at', 'at', 'generated', 'duration_s', 'elapsed_ms', 'rtt_ms'))
# timings inside a text (a finding's detail): a round trip ("open (syn-ack) in 216 ms") and the clock offset measured
# against the controller ("offset -0.1 s, +/- 0.4 s of task time"); the verdict they lead to is compared (status, reason)
TIME_TEXT = (re.compile(r'\b\d+(\.\d+)? ms\b'), re.compile(r'offset [+-]?\d+(\.\d+)? s, \+/- \d+(\.\d+)? s'))


def strip_times(value):
    """``value`` without the keys of TIME_KEYS at any depth, and with the timings of TIME_TEXT in texts masked."""
    if isinstance(value, dict):
        return {key: strip_times(item) for key, item in value.items() if key not in TIME_KEYS}
    if isinstance(value, list):
        return [strip_times(item) for item in value]
    if isinstance(value, str):
        for pattern in TIME_TEXT:
            value = pattern.sub('<time>', value)
    return value


def differences(before, after, path=''):
    """Where ``after`` differs from ``before`` (timestamps aside), as 'path: before -> after' lines; [] when identical."""
    return _diff(strip_times(before), strip_times(after), path or '$')


def _diff(before, after, path):
    if isinstance(before, dict) and isinstance(after, dict):
        lines = []
        for key in sorted(set(before) | set(after), key=str):
            if key not in after:
                lines.append('%s.%s: removed' % (path, key))
            elif key not in before:
                lines.append('%s.%s: added' % (path, key))
            else:
                lines.extend(_diff(before[key], after[key], '%s.%s' % (path, key)))
        return lines
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        lines = []
        for index, (old, new) in enumerate(zip(before, after)):
            lines.extend(_diff(old, new, '%s[%d]' % (path, index)))
        return lines
    return [] if before == after else ['%s: %r -> %r' % (path, before, after)]
