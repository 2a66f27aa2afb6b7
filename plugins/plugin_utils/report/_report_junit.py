# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""JUnit XML rendering of the report (a testsuite for the site and one per host, a testcase per entry). PRIVATE to this collection."""

from __future__ import annotations

import xml.etree.ElementTree as ET


def _case(row):
    classname = 'safeq.preflight.%s.%s' % (row['area'], row.get('owner') or 'unassigned')
    case = ET.Element('testcase', classname=classname, name='%s: %s' % (row['id'], row['title']))
    message = '%s (%s): %s' % (row['status'], row['reason'], row['detail'])
    waiver = row.get('waiver')
    if waiver:
        # a waived row is never a plain passing testcase: skipped, naming what was waived (a waived error stays an error)
        expires = ' (expires %s)' % waiver['expires'] if waiver.get('expires') else ''
        ET.SubElement(case, 'skipped', message='waived %s (%s): %s%s' % (row['status'], row['reason'], waiver['justification'], expires))
        ET.SubElement(case, 'system-out').text = 'WAIVED %s: %s%s\n%s' % (row['status'], waiver['justification'], expires, message)
    elif row['status'] == 'fail':
        node = ET.SubElement(case, 'failure', message=row['detail'] or row['reason'], type=row['reason'])
        node.text = '%s\nRemediation: %s\nChecklist: %s' % (message, row['remediation'], row['source'])
    elif row['status'] == 'error':
        node = ET.SubElement(case, 'error', message=row['detail'] or row['reason'], type=row['reason'])
        node.text = '%s\nRemediation: %s' % (message, row['remediation'])
    elif row['status'] in ('skip', 'manual'):
        ET.SubElement(case, 'skipped', message='%s: %s' % (row['status'], row['detail'] or row['reason']))
    else:
        ET.SubElement(case, 'system-out').text = message
    return case


def render_junit(report):
    """The report as JUnit XML text; counts follow the JSON rows exactly."""
    root = ET.Element('testsuites', name='safeq.preflight')
    totals = dict.fromkeys(('tests', 'failures', 'errors', 'skipped'), 0)
    site = report.get('site') or {}
    suites = [('site', site.get('entries') or [], (('scope', 'site'), ('measured', '; '.join(
        '%s from the %s at %s' % (m['module'], m['from'], m['at']) for m in site.get('measured') or []))))]
    for host in report['hosts']:
        reachable = 'not-contacted' if host['reachable'] is None else str(host['reachable']).lower()
        suites.append((host['name'], host['entries'], (('scope', 'node'), ('server_role', host['server_role']), ('reachable', reachable))))
    for name, rows, props in suites:
        cases = [_case(row) for row in rows]
        counts = {
            'tests': len(cases),
            'failures': sum(1 for c in cases if c.find('failure') is not None),
            'errors': sum(1 for c in cases if c.find('error') is not None),
            'skipped': sum(1 for c in cases if c.find('skipped') is not None),
        }
        suite = ET.SubElement(root, 'testsuite', name=name, timestamp=report['run'].get('finished', ''),
                              **{key: str(value) for key, value in counts.items()})
        properties = ET.SubElement(suite, 'properties')
        for prop, value in props + (('check_mode', str(report['run'].get('check_mode', False)).lower()),):
            ET.SubElement(properties, 'property', name=prop, value=value)
        suite.extend(cases)
        for key in totals:
            totals[key] += counts[key]
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding='unicode') + '\n'
