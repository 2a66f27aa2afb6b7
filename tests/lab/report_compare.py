# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compare two JSON reports of runs on the same site: what they found must be identical, when they ran aside."""

from __future__ import annotations

import argparse
import json
import re
import sys

# keys whose values say when (or how long), never what was found
# (a certificate's validity too: the lab's LDAP server makes a new one each run; the verdict on it is compared)
TIME_KEYS = frozenset(('started', 'finished', 'measured_at', 'at', 'generated', 'duration_s', 'elapsed_ms', 'rtt_ms', 'not_before', 'not_after'))
# timings inside a text (a finding's detail): a round trip ("open (syn-ack) in 216 ms") and the clock offset measured
# against the controller ("offset -0.1 s, +/- 0.4 s of task time"); the verdict they lead to is compared (status, reason)
TIME_TEXT = (re.compile(r'\b\d+(\.\d+)? ms\b'), re.compile(r'offset [+-]?\d+(\.\d+)? s, \+/- \d+(\.\d+)? s'))


# a port the lab's servers bound as port 0 (Linux's ephemeral range, net.ipv4.ip_local_port_range): differs on every run
EPHEMERAL_PORT = re.compile(r'(?<![0-9.])(3276[89]|327[7-9][0-9]|32[89][0-9]{2}|3[3-9][0-9]{3}|[45][0-9]{4}|60[0-9]{3})(?![0-9])')


def strip_times(value, ephemeral_ports=False):
    """``value`` without the keys of TIME_KEYS at any depth, and with the timings of TIME_TEXT in texts masked (with
    ``ephemeral_ports``, the numbers of Linux's ephemeral port range too: the lab's servers bind port 0)."""
    if isinstance(value, dict):
        return {key: strip_times(item, ephemeral_ports) for key, item in value.items() if key not in TIME_KEYS}
    if isinstance(value, list):
        return [strip_times(item, ephemeral_ports) for item in value]
    if ephemeral_ports and isinstance(value, int) and not isinstance(value, bool) and EPHEMERAL_PORT.fullmatch(str(value)):
        return '<port>'
    if isinstance(value, str):
        for pattern in TIME_TEXT + ((EPHEMERAL_PORT,) if ephemeral_ports else ()):
            value = pattern.sub('<time>' if pattern in TIME_TEXT else '<port>', value)
    return value


def differences(before, after, ephemeral_ports=False):
    """Where ``after`` differs from ``before`` (timestamps aside), as 'path: before -> after' lines; [] when identical."""
    return _diff(strip_times(before, ephemeral_ports), strip_times(after, ephemeral_ports), '$')


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


def main(argv=None):
    """python -m tests.lab.report_compare BEFORE.json AFTER.json [--ephemeral-ports]: exit 1 when the findings differ."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument('before')
    parser.add_argument('after')
    parser.add_argument('--ephemeral-ports', action='store_true', help='mask the ports of the lab servers bound as port 0 (make demo)')
    options = parser.parse_args(argv)
    reports = []
    for path in (options.before, options.after):
        with open(path, encoding='utf-8') as handle:
            reports.append(json.load(handle))
    found = differences(reports[0], reports[1], options.ephemeral_ports)
    print('\n'.join(found) if found else 'identical findings (timestamps%s aside)' % (' and ephemeral ports' if options.ephemeral_ports else ''))
    return 1 if found else 0


if __name__ == '__main__':
    sys.exit(main())
