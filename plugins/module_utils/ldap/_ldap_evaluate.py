# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Findings for the checklist's LDAP lines from an audit result (pure functions). PRIVATE to this collection."""

from __future__ import annotations

from ansible_collections.safeq.preflight.plugins.module_utils._findings import ERROR, FAIL, MANUAL, PASS, WARN, finding

# Attribute role -> (catalogue entry, default minimum coverage %, status below it).
COVERAGE = {
    'login': ('ldap.login', 100.0, FAIL),
    'first_name': ('ldap.name-surname', 100.0, FAIL),
    'surname': ('ldap.name-surname', 100.0, FAIL),
    'department': ('ldap.department', 100.0, FAIL),
    'card_number': ('ldap.card-number', 95.0, WARN),
    'unique_id': ('ldap.unique-id', 100.0, FAIL),
    'email': ('ldap.email', 90.0, WARN),
}
ATTRIBUTE_ENTRIES = ('ldap.login', 'ldap.name-surname', 'ldap.department', 'ldap.card-number', 'ldap.unique-id', 'ldap.email')
EXPIRY_WARN_DAYS = 30
SEVERITY_ORDER = (ERROR, FAIL, WARN, PASS)
# Container reasons that say the server stopped the account's search part-way (its limits), and search result codes that
# refuse the account the search: both fail ldap.integration-account (it cannot list all records).
ACCOUNT_LIMITS = ('size-limit', 'time-limit')
REFUSED_CODES = ('operationsError', 'confidentialityRequired', 'insufficientAccessRights', 'strongerAuthRequired',
                 'inappropriateAuthentication', 'unwillingToPerform')
CONTAINER_FAILURES = ('container-dn-invalid', 'container-unreadable', 'size-limit', 'time-limit', 'search-failed', 'container-missing')


def _combined(entry, parts, **extra):
    """One finding out of several (status, reason, detail) parts: the worst status leads, every reason is kept.

    ``reasons`` lists them all (worst first; the catalogue gives the remediation of each); the detail names each reason before
    its sentence when there is more than one.
    """
    parts = sorted(parts, key=lambda part: SEVERITY_ORDER.index(part[0]))
    reasons = []
    for part in parts:
        if part[1] and part[1] not in reasons:
            reasons.append(part[1])
    if len(parts) == 1:
        detail = parts[0][2]
    else:  # a part without a reason is context (the containers that were listed)
        detail = ' '.join(('[%s] %s' % (reason, text)) if reason else text for dummy, reason, text in parts)
    return finding(entry, parts[0][0], reasons[0], detail, reasons=reasons, **extra)


def _server_findings(audit, options):
    details, status, reason = [], PASS, 'reachable'
    for server in audit['servers']:
        where = '%s:%s' % (server['host'], server['port'])
        if not server['reachable']:
            details.append('%s unreachable (%s)' % (where, server['error']))
            status, reason = FAIL, 'unreachable'
            continue
        tls = server.get('tls')
        if tls is None:
            details.append('%s reachable (%s, %.1f ms)' % (where, options['security'], server['rtt_ms']))
            continue
        if tls['days_to_expiry'] is not None and tls['days_to_expiry'] < 0:
            status, reason = FAIL, 'cert-expired'
            details.append('%s certificate expired on %s' % (where, tls['not_after']))
        elif not tls['valid'] and tls['name_matches'] is False:
            status, reason = FAIL, 'cert-name-mismatch'
            details.append('%s certificate names %s, not %s' % (where, ', '.join(tls['sans']) or tls['subject'], server['host']))
        elif not tls['valid']:
            status, reason = FAIL, 'cert-untrusted'
            details.append('%s certificate not trusted: %s' % (where, tls['error']))
        elif tls['days_to_expiry'] is not None and tls['days_to_expiry'] < EXPIRY_WARN_DAYS:
            if status == PASS:
                status, reason = WARN, 'cert-expiring'
            details.append('%s certificate expires in %d days (%s)' % (where, tls['days_to_expiry'], tls['not_after']))
        else:
            details.append('%s %s, certificate valid for %s more days, issued by %s' % (where, tls['protocol'], tls['days_to_expiry'], tls['issuer']))
    return finding('ldap.primary-server', status, reason, '; '.join(details) + '.', observed=audit['servers'])


def _unreadable_containers(audit):
    return ['%s (%s)' % (c['dn'], c['error']) if c['error'] else c['dn'] for c in audit['containers'] if c['reason'] == 'container-unreadable']


def _attribute_problem(audit):
    """'department (department) on 2 of the 3 example users checked' per role the account may not read."""
    return ['%s (%s) on %d of the %d example users checked: %s; e.g. %s'
            % (role, item['attribute'], len(item['examples']), item['checked'], '; '.join(item['why']), item['examples'][0])
            for role, item in (audit.get('unreadable_attributes') or {}).items()]


def _incomplete(audit):
    """Containers whose stream began but did not reach its end (a limit, a failed page, the connection lost)."""
    return [c for c in audit['containers'] if c.get('streamed') and not c.get('complete')]


def _primary(audit):
    return audit['servers'][0]['host'] if audit['servers'] else None


def _bind_attempt_parts(audit, who):
    """A part per server whose bind failed: fail on the primary server (the one SafeQ is given first), warn on another."""
    primary = _primary(audit)
    parts = []
    for attempt in audit.get('bind_attempts') or []:
        if attempt['bound']:
            continue
        role = 'the primary server' if attempt['host'] == primary else 'a further server SafeQ falls back to'
        parts.append((FAIL if attempt['host'] == primary else WARN, attempt['reason'], 'Bind as %s on %s (%s) failed: %s; it bound on %s.'
                      % (who, attempt['host'], role, attempt['message'], audit['bind_server'])))
    return parts


def _account_parts(audit, who):
    """What the bound account could not do: see into containers, read attributes, list every record."""
    parts = []
    unreadable = _unreadable_containers(audit)
    if unreadable:
        parts.append((FAIL, 'container-unreadable', '%s bound, but cannot see into: %s.' % (who, '; '.join(unreadable))))
    attributes = _attribute_problem(audit)
    if attributes:
        parts.append((FAIL, 'attribute-unreadable', '%s may not read mapped attributes: %s.' % (who, '; '.join(attributes))))
    for reason in ACCOUNT_LIMITS:
        limited = ['%s (%s)' % (c['dn'], c['error']) for c in audit['containers'] if c['reason'] == reason]
        if limited:
            parts.append((FAIL, reason, '%s cannot list every record: the server ended its search of %s, and SafeQ reading as this account '
                          'stops there too.' % (who, '; '.join(limited))))
    refused = ['%s (%s)' % (c['dn'], c['error']) for c in audit['containers'] if c['reason'] == 'search-failed' and c.get('code') in REFUSED_CODES]
    if refused:
        parts.append((FAIL, 'search-refused', '%s bound, but the server refuses it the search of: %s.' % (who, '; '.join(refused))))
    return parts


def _bind_finding(audit, options):
    who = options.get('bind_dn') or 'anonymous'
    if audit['bound']:
        if audit['error']:
            return finding('ldap.integration-account', ERROR, 'connection-lost', 'Bound, then: %s.' % audit['error'])
        parts = _bind_attempt_parts(audit, who) + _account_parts(audit, who)
        if not any(c['listable'] for c in audit['containers']) and not any(p[0] == FAIL for p in parts):
            parts.append((ERROR, 'nothing-listed', 'Not evaluated: %s bound on %s, but no container could be listed, so whether it may list '
                          'all records is unknown.' % (who, audit['bind_server'])))
        read = '%s bound on %s and read %d user(s). That an administrator provides the credentials is attested by a person.%s' % (
            who, audit['bind_server'], audit['totals']['users'], _privileged_note(audit))
        if parts:
            return _combined('ldap.integration-account', parts + [(PASS, '', read)], fix={'bind_dn': who})
        return finding('ldap.integration-account', PASS, 'bind-and-read', read)
    if audit['bind_reason'] is None:
        return finding('ldap.integration-account', ERROR, 'no-server', 'No LDAP server could be reached to bind.')
    tried = audit.get('bind_attempts') or []
    others = '; '.join('%s: %s (%s)' % (a['host'], a['reason'], a['message']) for a in tried if a['host'] != audit['bind_server'])
    return finding('ldap.integration-account', FAIL, audit['bind_reason'], 'Bind as %s on %s failed: %s.%s'
                   % (who, audit['bind_server'], audit['bind_message'], (' Also failed on %s.' % others) if others else ''))


def _domains_finding(audit, options):
    domains = options.get('domains') or []
    if not domains:
        return finding('ldap.domain-names', MANUAL, 'not-configured', 'No domain names were given (option domains).')
    contexts = [c.lower().replace(' ', '') for c in audit['root_dse']['naming_contexts']]
    missing = [d for d in domains if ','.join('dc=' + part for part in d.lower().split('.')) not in contexts]
    if missing:
        return finding('ldap.domain-names', FAIL, 'domain-not-found', 'No naming context for %s; the server has %s.'
                       % (', '.join(missing), ', '.join(audit['root_dse']['naming_contexts'])))
    return finding('ldap.domain-names', PASS, 'domains-found', 'Each domain maps to a naming context: %s.' % ', '.join(domains))


def _privileged_note(audit):
    privileged = audit.get('privileged')
    if not privileged:
        return ''
    if not privileged['bound']:
        return ' The comparison with the privileged account %s was not made: its bind failed (%s: %s).' % (
            privileged['bind_dn'], privileged['reason'], privileged['message'])
    compared = [c for c in audit['containers'] if c.get('privileged_users') is not None]
    return ' Compared with the privileged account %s: it sees the same users in %d container(s).' % (
        privileged['bind_dn'], len([c for c in compared if c['privileged_users'] <= c['users']]))


def _containers_finding(audit, options):
    who = options.get('bind_dn') or 'anonymous'
    if audit['error']:
        lost = ['%s (%d user(s) counted)' % (c['dn'], c['users']) if c.get('streamed') else c['dn']
                for c in audit['containers'] if c['reason'] == 'connection-lost']
        return finding('ldap.user-containers', ERROR, 'connection-lost', 'Not evaluated: %s. Not read to the end: %s.'
                       % (audit['error'], ', '.join(lost) or 'none'))
    problems, details, reasons = [], [], set()
    for container in audit['containers']:
        if container['reason']:
            reasons.add(container['reason'])
            problems.append('%s: %s%s' % (container['dn'], container['reason'], (' (%s)' % container['error']) if container['error'] else ''))
        else:
            details.append('%s: %d user(s)' % (container['dn'], container['users']))
    parts = []
    if problems:
        for reason in CONTAINER_FAILURES:
            if reason in reasons:
                parts.append((FAIL, reason, '; '.join(p for p in problems if ': %s' % reason in p) + '.'))
    empty = [c['dn'] for c in audit['containers'] if c['users'] == 0 and not c['reason']]
    if empty:
        hint = ' On Active Directory a container the account may not list also looks empty; it was checked where the ACL was readable.' \
            if audit.get('directory_type') == 'ad' else ''
        parts.append((WARN, 'container-empty', 'No user matches the filter in %s.%s' % (', '.join(empty), hint)))
    disabled = audit.get('disabled') or {}
    if disabled.get('users'):
        parts.append((WARN, 'disabled-users-in-scope', '%d of the %d users the filter matches are disabled accounts (%s), e.g. %s; SafeQ would '
                      'replicate them.' % (disabled['users'], audit['totals']['users'], disabled['flag'], '; '.join(disabled['examples']))))
    broad = [c['dn'] for c in audit['containers'] if c.get('naming_context') and c.get('privileged_users') is None and not c['reason']]
    if not parts:
        note = ''
        if broad:
            note = (' %s is the root of a naming context: an OU under it that the integration account may not list is invisible to it and '
                    'cannot be reported here.' % ', '.join(broad))
        return finding('ldap.user-containers', PASS, 'containers-listed', '; '.join(details) + '.' + note + _privileged_note(audit),
                       reasons=['containers-listed'] + (['broad-base-dn'] if broad else []))
    if details:
        parts.append((PASS, '', 'Listed: %s.' % '; '.join(details)))
    if broad:
        parts.append((PASS, 'broad-base-dn', '%s is the root of a naming context: an OU under it that the integration account may not list is '
                      'invisible to it and cannot be reported here.' % ', '.join(broad)))
    return _combined('ldap.user-containers', parts, fix={'bind_dn': who})


def _attribute_line(audit, role, threshold, below):
    """(status, reason, line) of one role over the users read; ``certain``: whether users not read could not change the verdict."""
    total = audit['totals']['users']
    present = audit['totals']['present'][role]
    coverage = 100.0 * present / total
    name = audit['attributes'][role]
    alias = (audit.get('attribute_aliases') or {}).get(role)
    line = '%s (%s%s): %d of %d users (%.1f%%)' % (role, name, (', given as %s' % alias) if alias else '', present, total, coverage)
    status = PASS if coverage >= float(threshold) else below
    reason = 'coverage-ok' if status == PASS else 'coverage-below-threshold'
    # Users missing a value stay missing whatever the users not read hold: below a 100 % threshold is certain.
    certain = status != PASS and float(threshold) >= 100.0
    if role in audit.get('unknown_attributes', {}):
        return FAIL, 'unknown-attribute', '%s: attribute %r is not in the directory schema' % (role, name), True
    unreadable = (audit.get('unreadable_attributes') or {}).get(role)
    if unreadable:
        # Not "missing in the directory": the account is not allowed to see the value on (some of) these users.
        line += ' show a value to the integration account; it may not read %s on %d of the %d users without one that were checked (%s), ' \
                'e.g. %s: they may hold a value it cannot see' % (name, len(unreadable['examples']), unreadable['checked'],
                                                                  '; '.join(unreadable['why']), '; '.join(unreadable['examples']))
        return (below if status == PASS else status), 'attribute-unreadable', line, below == FAIL
    if status != PASS:
        examples = [dn for c in audit['containers'] for dn in c['missing_examples'][role]][:audit.get('sample_size', 5)]
        line += ', below %s%%; missing e.g. %s' % (threshold, '; '.join(examples))
    return status, reason, line, certain


def _not_read(audit):
    """Why the attribute lines cannot be judged at all (no user read), or None."""
    if audit['totals']['users']:
        return None
    listed = [c['dn'] for c in audit['containers'] if c['listable']]
    return 'no user was read (%s)' % ('the containers listed hold no user the filter matches: %s' % ', '.join(listed) if listed
                                      else 'no container could be listed; see ldap.user-containers')


def _stopped_note(incomplete):
    return 'the read of %s stopped part-way (%s), so the users not read are unknown' % (
        ', '.join(c['dn'] for c in incomplete), '; '.join(c['error'] or c['reason'] for c in incomplete))


def _attribute_findings(audit, options):
    thresholds = dict((role, spec[1]) for role, spec in COVERAGE.items())
    thresholds.update(options.get('thresholds') or {})
    nothing = _not_read(audit)
    if nothing:
        return [finding(entry, ERROR, 'no-users-read', 'Not evaluated: %s.' % nothing) for entry in ATTRIBUTE_ENTRIES]
    incomplete = _incomplete(audit)
    audit = dict(audit, sample_size=options.get('sample_size', 5))
    by_entry = {}
    for role, (entry, dummy, below) in COVERAGE.items():
        status, reason, line, certain = _attribute_line(audit, role, thresholds[role], below)
        if incomplete and not certain:
            status, reason = ERROR, 'read-incomplete'
        by_entry.setdefault(entry, []).append((status, reason, line))
    findings = []
    for entry in ATTRIBUTE_ENTRIES:
        items = by_entry[entry]
        statuses = {s for s, dummy, dummy2 in items}
        # A certain fail outranks "not evaluated": the entry cannot pass whatever the users not read hold.
        worst = next(s for s in (FAIL, ERROR, WARN, PASS) if s in statuses or s == PASS)
        detail = '; '.join(line for dummy, dummy2, line in items)
        reasons = []
        for candidate in ('unknown-attribute', 'attribute-unreadable', 'coverage-below-threshold', 'read-incomplete'):
            if any(r == candidate for dummy, r, dummy2 in items):
                reasons.append(candidate)
        role = {'ldap.login': 'login', 'ldap.card-number': 'card_number', 'ldap.unique-id': 'unique_id'}.get(entry)
        dup = audit['duplicates'].get(role) if role else None
        if dup and dup['values']:
            worst = FAIL  # a value two entries hold is a duplicate whatever was not read
            reasons.insert(0, 'duplicates')
            detail += '; %d value(s) held by more than one entry, e.g. %s' % (dup['values'], '; '.join(
                '%s (%d entries: %s)' % (e['value'], e['entries'], ', '.join(e['dns'])) for e in dup['examples']))
        if entry == 'ldap.unique-id' and audit['binary_unique_id']:
            detail += '. objectGUID is binary: list it among SafeQ\'s binary attributes'
        if incomplete:
            detail = 'Over the %d user(s) read (%s): %s' % (audit['totals']['users'], _stopped_note(incomplete), detail)
        if not reasons:
            reasons = ['coverage-ok']
        findings.append(finding(entry, worst, reasons[0], detail + '.', reasons=reasons))
    return findings


def _replication_finding(audit):
    tracking = audit['change_tracking']
    total = audit['totals']['users']
    nothing = _not_read(audit)
    if nothing:
        return finding('ldap.replication', ERROR, 'no-users-read', 'Not evaluated: %s.' % nothing)
    incomplete = _incomplete(audit)
    if incomplete:
        return finding('ldap.replication', ERROR, 'read-incomplete', 'Not evaluated: %s.' % _stopped_note(incomplete))
    readable = [name for name, count in tracking.items() if total and count == total]
    paged = audit['root_dse']['paged_results']
    if readable and paged:
        return finding('ldap.replication', PASS, 'differential-ready', 'Paged results supported; change tracking readable: %s.' % ', '.join(readable))
    problems = []
    if not paged:
        problems.append('the server does not announce the paged results control')
    if not readable:
        problems.append('no change-tracking attribute (%s) is readable on every user' % ', '.join(tracking))
    return finding('ldap.replication', WARN, 'differential-not-ready', '; '.join(problems) + '.')


def _without_gaps(audit):
    """The audit with what a container's own fields leave unsaid made explicit (an audit saved by an older version, or built by
    hand): a size limit hit that no container names stops every listed container; a failed search's code is its error's prefix."""
    if not audit.get('containers'):
        return audit
    containers = []
    limited = audit.get('size_limit_hit') and not any(c['reason'] in ACCOUNT_LIMITS for c in audit['containers'])
    for container in audit['containers']:
        container = dict(container)
        if limited and container['reason'] is None and container['listable']:
            container.update(reason='size-limit', code='sizeLimitExceeded', streamed=True, complete=False,
                             error='a size limit cut the search short after %d user(s)' % container['users'])
        if container['reason'] == 'search-failed' and not container.get('code'):
            container['code'] = (container['error'] or '').split(':')[0].strip()
        containers.append(container)
    return dict(audit, containers=containers)


def evaluate(audit, options):
    """Findings for every LDAP entry the audit can speak to."""
    audit = _without_gaps(audit)
    findings = [_server_findings(audit, options) if audit['servers'] else finding('ldap.primary-server', ERROR, 'no-server', 'No server given.')]
    findings.append(_bind_finding(audit, options))
    evaluated = audit['bound'] and audit['root_dse'] is not None
    if not evaluated:
        reason = 'bind-failed' if audit['servers'] and any(s['reachable'] for s in audit['servers']) else 'unreachable'
        for entry in ('ldap.domain-names', 'ldap.user-containers') + ATTRIBUTE_ENTRIES + ('ldap.replication',):
            findings.append(finding(entry, ERROR, reason, 'Not evaluated: the directory could not be read (%s).' % (audit['bind_reason'] or audit['error'])))
        return findings
    findings.append(_domains_finding(audit, options))
    findings.append(_containers_finding(audit, options))
    if audit['error']:
        for entry in ATTRIBUTE_ENTRIES + ('ldap.replication',):
            findings.append(finding(entry, ERROR, 'connection-lost', 'The audit stopped after %d user(s): %s.' % (audit['totals']['users'], audit['error'])))
        return findings
    findings += _attribute_findings(audit, options)
    findings.append(_replication_finding(audit))
    return findings
