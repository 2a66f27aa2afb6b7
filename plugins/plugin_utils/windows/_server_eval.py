# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Evaluators for the server facts gathered by the win_server_facts module (server_check).

PRIVATE to this collection. Pure functions: facts (the probe's ``data``) and a policy dict in,
findings out. PowerShell never decides a verdict; these functions do.
"""

from __future__ import annotations

import datetime
import fnmatch
import ipaddress
import re

from ansible_collections.safeq.preflight.plugins.module_utils._findings import (
    ERROR, FAIL, MANUAL, PASS, WARN, finding,
)

ADMIN_SID = 'S-1-5-32-544'
# Mandatory integrity label SIDs (locale independent, unlike whoami's attribute text).
INTEGRITY_LEVELS = {'S-1-16-0': 'untrusted', 'S-1-16-4096': 'low', 'S-1-16-8192': 'medium',
                    'S-1-16-8448': 'medium-plus', 'S-1-16-12288': 'high', 'S-1-16-16384': 'system'}
ELEVATED_LEVELS = ('high', 'system')

# Windows Server builds this collection knows (build -> name). A newer build is reported as unverified.
SERVER_BUILDS = {
    7601: 'Windows Server 2008 R2 SP1', 9200: 'Windows Server 2012', 9600: 'Windows Server 2012 R2',
    14393: 'Windows Server 2016', 17763: 'Windows Server 2019', 20348: 'Windows Server 2022',
    26100: 'Windows Server 2025',
}

# The documented default of ``supported_builds`` (site policy: the public SafeQ pages list no versions; set it from the
# Software requirements page of your SafeQ version). Long-term servicing builds only: a Semi-Annual Channel build between
# them (for example 18363, Server 1909) is not in the list and fails.
DEFAULT_SUPPORTED_BUILDS = (9600, 14393, 17763, 20348, 26100)
# EditionID values (HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion, not localised). An evaluation edition of a
# listed one ("ServerStandardEval") is a warning: it expires. Essentials (ServerSolution), Foundation, Web, Storage
# and Hyper-V Server are not in the default.
DEFAULT_SUPPORTED_EDITIONS = ('ServerStandard', 'ServerDatacenter')
X64 = 'AMD64'

DEFAULT_POLICY = {
    'min_os_build': 9600,
    'supported_builds': DEFAULT_SUPPORTED_BUILDS,
    'supported_editions': DEFAULT_SUPPORTED_EDITIONS,
    'allow_server_core': False,
    'allow_client_os': False,
    'browser_min_versions': {},
    'min_logical_processors': 4,
    'min_memory_gb': 8,
    'min_disk_free_gb': 20,
    'patch_max_age_days': 60,
    'install_dir': 'C:\\SafeQ5',
    'clock_max_offset_s': 60,
}

GIB = 1024 ** 3


def _missing(entry_id, facts, name):
    """An ``error`` finding when fact ``name`` could not be read, else None."""
    if facts.get(name) is None:
        reason = (facts.get('errors') or {}).get(name)
        if reason:
            return finding(entry_id, ERROR, 'fact-unavailable', 'The node could not read %s: %s' % (name, reason))
        return finding(entry_id, ERROR, 'fact-unavailable', 'The node returned no value for %s.' % name)
    return None


def _admin_from_token(entry, user, admin, token):
    """server.admin-rights from the token facts: Administrators enabled or deny-only, and IsInRole's answer."""
    if not admin:
        return finding(entry, FAIL, 'not-admin', '%s is not a member of BUILTIN\\Administrators (%s).' % (user, ADMIN_SID))
    name = admin[0].get('name') or 'BUILTIN\\Administrators'
    kind = admin[0].get('attributes')
    if token['elevated'] is True and kind == 'enabled':
        return finding(entry, PASS, 'elevated-admin', '%s is a member of %s (%s), enabled in its token: elevated.' % (user, name, ADMIN_SID))
    if token['elevated'] is False and kind == 'deny-only':
        return finding(entry, FAIL, 'not-elevated',
                       '%s is in %s (%s) but its token is filtered by UAC (the group is deny-only). Over WinRM this is remote UAC: '
                       'a local account other than the built-in Administrator gets a filtered token.' % (user, name, ADMIN_SID))
    return finding(entry, ERROR, 'token-inconsistent', '%s has a token that holds %s as %r but reports elevated=%r.'
                   % (user, name, kind, token['elevated']))


def admin_rights(facts):
    """server.admin-rights: the connection account is an elevated local administrator.

    From the token facts (``token.elevated`` and the Administrators row, ``enabled`` or ``deny-only``); a profile
    recorded before the module read the token (no ``token`` key) is judged from whoami's integrity-level rows.
    """
    entry = 'server.admin-rights'
    missing = _missing(entry, facts, 'groups') or ('token' in facts and _missing(entry, facts, 'token'))
    if missing:
        return missing
    user = facts.get('user') or 'the connection account'
    groups = facts['groups']
    admin = [g for g in groups if g.get('sid') == ADMIN_SID]
    if 'token' in facts:
        return _admin_from_token(entry, user, admin, facts['token'])
    levels = [INTEGRITY_LEVELS.get(g.get('sid')) for g in groups if str(g.get('sid', '')).startswith('S-1-16-')]
    level = next((lvl for lvl in levels if lvl), None)
    if not admin:
        return finding(entry, FAIL, 'not-admin', '%s is not a member of BUILTIN\\Administrators (%s).' % (user, ADMIN_SID))
    if level in ELEVATED_LEVELS:
        return finding(entry, PASS, 'elevated-admin', '%s is a member of BUILTIN\\Administrators with a %s integrity token.' % (user, level))
    attributes = str(admin[0].get('attributes') or '').lower()
    if level is not None or 'deny only' in attributes or attributes == 'deny-only':
        return finding(entry, FAIL, 'not-elevated',
                       '%s is in BUILTIN\\Administrators but its token is filtered by UAC (integrity %s). Over WinRM this is '
                       'remote UAC: a local account other than the built-in Administrator gets a filtered token.' % (user, level or 'unknown'))
    return finding(entry, WARN, 'elevation-unknown',
                   '%s is in BUILTIN\\Administrators; the token integrity level was not reported.' % user)


def _platform_observed(osinfo, platform):
    observed = {'caption': osinfo.get('caption') or platform.get('product_name'), 'build': int(osinfo.get('build') or 0),
                'product_type': osinfo.get('product_type')}
    for key in ('edition_id', 'installation_type', 'processor_architecture', 'ubr', 'display_version'):
        if platform.get(key) not in (None, ''):
            observed[key] = platform[key]
    return observed


def supported_platform(facts, policy):
    """server.supported-platform: a 64-bit (x64) Windows Server of a listed edition and build, with Desktop Experience."""
    entry = 'server.supported-platform'
    missing = _missing(entry, facts, 'os')
    if missing:
        return missing
    osinfo = facts['os']
    platform = facts.get('platform') or {}
    observed = _platform_observed(osinfo, platform)
    build = observed['build']
    caption = observed['caption'] or 'unknown Windows'
    name = '%s (build %d%s)' % (caption, build, '.%s' % platform['ubr'] if platform.get('ubr') is not None else '')
    builds = sorted(int(item) for item in policy['supported_builds'])
    installation = str(platform.get('installation_type') or '')
    client = osinfo.get('product_type') == 1 or installation.lower() == 'client'
    if client and not policy['allow_client_os']:
        return finding(entry, FAIL, 'client-os', '%s is a client edition, not Windows Server.' % name, observed=observed)
    arch = platform.get('processor_architecture')
    if arch:
        if arch.upper() != X64:
            return finding(entry, FAIL, 'not-x64', '%s runs on %s; SafeQ needs x64 (AMD64).' % (name, arch), observed=observed)
    elif '32' in str(osinfo.get('architecture') or '') and '64' not in str(osinfo.get('architecture') or ''):
        return finding(entry, FAIL, 'not-64-bit', '%s is %s.' % (name, osinfo.get('architecture')), observed=observed)
    if build < int(policy['min_os_build']):
        return finding(entry, FAIL, 'os-too-old', '%s is older than the minimum build %s.' % (name, policy['min_os_build']),
                       observed=observed)
    if not client and builds and build not in builds and build < builds[-1]:
        return finding(entry, FAIL, 'build-not-listed', '%s is not one of the supported builds (%s).'
                       % (name, ', '.join('%d (%s)' % (b, SERVER_BUILDS[b]) if b in SERVER_BUILDS else str(b) for b in builds)),
                       observed=observed)
    unreadable = _missing(entry, facts, 'platform')
    if unreadable and not client:
        unreadable['observed'] = observed
        return unreadable
    edition = str(platform.get('edition_id') or '').strip()
    editions = [str(item) for item in policy['supported_editions']]
    if not client and not edition:
        # an empty or missing EditionID would skip the edition rule: the edition is unknown, never a pass
        return finding(entry, ERROR, 'edition-unknown', '%s: the registry value EditionID (HKLM\\SOFTWARE\\Microsoft\\Windows NT\\'
                       'CurrentVersion) is empty or missing, so the edition cannot be checked against %s.' % (name, ', '.join(editions)),
                       observed=observed)
    if not client and edition:
        base = edition[:-4] if edition.lower().endswith('eval') else edition
        if base.lower() not in {item.lower() for item in editions}:
            return finding(entry, FAIL, 'edition-not-supported', '%s is edition %s, not one of %s.' % (name, edition, ', '.join(editions)),
                           observed=observed)
    if not client and not installation.strip() and not policy['allow_server_core']:
        # an empty or missing InstallationType would pass as Desktop Experience: Server Core cannot be ruled out
        return finding(entry, ERROR, 'installation-type-unknown', '%s: the registry value InstallationType (HKLM\\SOFTWARE\\Microsoft\\'
                       'Windows NT\\CurrentVersion) is empty or missing, so whether the server has the Desktop Experience or is a '
                       'Server Core installation cannot be checked.' % name, observed=observed)
    if not client and 'core' in installation.lower() and not policy['allow_server_core']:
        return finding(entry, WARN, 'server-core', '%s is a %s installation (no Desktop Experience): the SafeQ installer and '
                       'the web browser the checklist requires need the desktop.' % (name, installation),
                       observed=observed)
    if not client and edition and edition.lower().endswith('eval'):
        return finding(entry, WARN, 'evaluation-edition', '%s is an evaluation edition (%s); it expires and shuts down hourly after.'
                       % (name, edition), observed=observed)
    if not client and builds and build > builds[-1]:
        return finding(entry, WARN, 'os-unverified', '%s is newer than the supported builds (%s).' % (name, ', '.join(str(b) for b in builds)),
                       observed=observed)
    return finding(entry, PASS, 'supported-build', '%s%s.' % (name, ', %s, %s' % (edition, installation) if edition else ''), observed=observed)


def _version_tuple(text):
    parts = []
    for piece in str(text or '').replace(',', '.').split('.'):
        piece = piece.strip().split(' ')[0]
        if not (piece.isascii() and piece.isdigit()):
            break
        parts.append(int(piece))
    return tuple(parts)


def _netfx35(facts):
    """(installed, text) for .NET Framework 3.5 from the NDP\\v3.5 registry key."""
    net = facts['netfx35']
    if not net.get('key_present'):
        return False, '.NET Framework 3.5 is not installed (no NDP\\v3.5 key)'
    if net.get('install') != 1:
        return False, '.NET Framework 3.5 is not installed (NDP\\v3.5 Install=%s)' % net.get('install')
    return True, '.NET Framework %s%s' % (net.get('version') or '3.5', ' SP%s' % net['sp'] if net.get('sp') else '')


def windows_installer(facts):
    """server.windows-installer-45 (with embedded_db): msi.dll 4.5 or later, and .NET Framework 3.5, both needed by the
    embedded MS SQL Server 2008 Express."""
    entry = 'server.windows-installer-45'
    missing = _missing(entry, facts, 'msi_version')
    if missing:
        return missing
    version = _version_tuple(facts['msi_version'])
    if not version:
        return finding(entry, ERROR, 'unparsable-version', 'msi.dll reports version %r.' % facts['msi_version'])
    if version < (4, 5):
        return finding(entry, FAIL, 'msi-too-old', 'Windows Installer %s is older than 4.5.' % facts['msi_version'])
    missing = _missing(entry, facts, 'netfx35')
    if missing:
        return missing
    installed, text = _netfx35(facts)
    if not installed:
        return finding(entry, FAIL, 'netfx35-missing', 'Windows Installer %s; %s, which SQL Server 2008 Express needs.' % (facts['msi_version'], text))
    return finding(entry, PASS, 'msi-ok', 'Windows Installer %s; %s.' % (facts['msi_version'], text))


# Browser key (safeq_browser_min_versions) -> App Paths executable, and the name shown to people.
BROWSERS = {'edge': ('msedge.exe', 'Microsoft Edge'), 'chrome': ('chrome.exe', 'Google Chrome'),
            'firefox': ('firefox.exe', 'Mozilla Firefox'), 'ie': ('iexplore.exe', 'Internet Explorer')}
_BY_EXE = {exe: key for key, (exe, dummy) in BROWSERS.items()}


def _browser_text(item):
    key = _BY_EXE.get(item['name'])
    where = 'per user %s' % item['user_sid'] if item.get('scope') == 'user' else (
        '32-bit' if item.get('view') == 'Registry32' else 'per machine')
    return '%s %s (%s)' % (BROWSERS[key][1] if key else item['name'], item.get('version') or '(version unknown)', where)


def web_browser(facts, policy=None):
    """server.web-browser: a current browser (Edge, Chrome or Firefox) at or above the site's minimum version."""
    entry = 'server.web-browser'
    missing = _missing(entry, facts, 'browsers')
    if missing and (facts.get('errors') or {}).get('browsers'):
        return missing
    minimums = dict((policy or {}).get('browser_min_versions') or {})
    browsers = [b for b in facts.get('browsers') or [] if b['name'] in _BY_EXE]
    names = ', '.join(_browser_text(b) for b in browsers)
    if not browsers:
        return finding(entry, FAIL, 'no-browser', 'No web browser is registered under App Paths (per machine or per loaded user).')
    outdated = []
    current = []
    for item in browsers:
        key = _BY_EXE[item['name']]
        minimum = minimums.get(key)
        if not item.get('version'):  # an App Paths entry whose program file is gone (no version read): not a browser to use
            outdated.append('%s, registered but its program file could not be read' % _browser_text(item))
        elif minimum is not None and _version_tuple(item.get('version')) < _version_tuple(minimum):
            outdated.append('%s, below the minimum %s' % (_browser_text(item), minimum))
        elif key != 'ie':
            current.append(item)
    observed = [{'browser': _BY_EXE[b['name']], 'version': b.get('version'), 'scope': b.get('scope') or 'machine'} for b in browsers]
    if not current and all(_BY_EXE[b['name']] == 'ie' for b in browsers) and not outdated:
        return finding(entry, WARN, 'only-internet-explorer', 'Only Internet Explorer is installed (%s); it is retired.' % names,
                       observed=observed)
    if not current:
        return finding(entry, FAIL, 'browser-outdated', 'No browser meets the site minimum: %s.' % '; '.join(outdated),
                       observed=observed)
    machine = [b for b in current if b.get('scope') != 'user']
    if outdated:
        return finding(entry, WARN, 'outdated-browser-present', 'Installed: %s. Below the site minimum: %s.' % (names, '; '.join(outdated)),
                       observed=observed)
    if not machine:
        return finding(entry, WARN, 'per-user-browser-only', 'Installed only per user: %s. Another account (the installer, '
                       'the SafeQ administrator) will not find it.' % names, observed=observed)
    checked = 'at or above the site minimums' if minimums else 'no site minimum set (safeq_browser_min_versions): confirm they are current'
    return finding(entry, PASS, 'browser-present', 'Installed: %s; %s.' % (names, checked), observed=observed)


def reboot_signals(pending):
    """The pending-reboot signals that are set, as short texts (empty when none)."""
    signals = []
    for key, text in (('cbs_reboot_pending', 'Component Based Servicing RebootPending'), ('cbs_reboot_in_progress', 'CBS RebootInProgress'),
                      ('cbs_packages_pending', 'CBS PackagesPending'), ('wu_reboot_required', 'Windows Update RebootRequired'),
                      ('wu_post_reboot_reporting', 'Windows Update PostRebootReporting'), ('domain_join_pending', 'a pending domain join')):
        if pending.get(key):
            signals.append(text)
    if pending.get('server_manager_reboot_attempts'):
        signals.append('ServerManager CurrentRebootAttempts (a Windows feature was installed or removed)')
    if str(pending.get('server_component_restart_required') or '').strip().lower() not in ('', '0', 'false', 'no'):
        signals.append('ServerManager RestartRequired=%s' % pending['server_component_restart_required'])
    if pending.get('update_exe_volatile'):
        signals.append('Updates UpdateExeVolatile=%s' % pending['update_exe_volatile'])
    if pending.get('wu_services_pending'):
        signals.append('%d Windows Update Services\\Pending registration(s)' % pending['wu_services_pending'])
    if pending.get('file_rename_operations'):
        signals.append('%d PendingFileRenameOperations' % pending['file_rename_operations'])
    active, wanted = pending.get('active_computer_name') or '', pending.get('pending_computer_name') or ''
    if active and wanted and active.upper() != wanted.upper():
        signals.append('a pending computer rename (%s -> %s)' % (active, wanted))
    return signals


def _could_be_within(raw, today, limit):
    """Whether an InstalledOn value no date was read from could be within ``limit`` days of ``today``: unless every
    four-digit year in it is older than the year the limit starts in, it could."""
    years = [int(year) for year in re.findall(r'(?<!\d)(\d{4})(?!\d)', raw)]
    return not years or max(years) >= (today - datetime.timedelta(days=limit)).year


def security_patches(facts, policy, today, searched=False):
    """server.security-patches: the newest installed cumulative update is recent enough. Only an installed
    ``Package_for_RollupFix`` (``hotfix_basis`` ``rollup``) can make a pass: without one, updates within the limit leave the
    patch level unproven (``patch-level-unproven``, a warning), since a servicing stack or other single update looks the same;
    updates all older than the limit still fail. ``searched``: the optional Windows Update search passed (it succeeded against
    Windows Update or Microsoft Update, not WSUS, and found no missing security or critical update), which proves the patch
    level without a cumulative update."""
    entry = 'server.security-patches'
    missing = _missing(entry, facts, 'hotfixes')
    if missing and (facts.get('errors') or {}).get('hotfixes'):
        return missing
    hotfixes = facts.get('hotfixes') or []
    if not hotfixes:
        return finding(entry, FAIL, 'no-updates-recorded', 'No installed update with an installation date was found.')
    # An ambiguous InstalledOn (11/12/2026: 12 November or 11 December) has two readings: the newest update is at least
    # as recent as the best earliest reading and at most as recent as the best latest one. Only a bound decides.
    newest = max(datetime.date.fromisoformat(h['installed_on']) for h in hotfixes)
    latest = max(datetime.date.fromisoformat(h.get('installed_on_latest') or h['installed_on']) for h in hotfixes)
    age = (today - newest).days
    newest_ids = ', '.join(h.get('name') or h['id'] for h in hotfixes if h['installed_on'] == newest.isoformat())
    if facts.get('hotfix_basis') == 'rollup':
        newest_ids += ', the newest installed cumulative update: other updates do not date the node'
    pending = facts.get('pending_reboot')
    limit = int(policy['patch_max_age_days'])
    # outside a cumulative update (Server 2012 R2, KB packages, QFE rows) no single update proves the patch level
    unproven = [] if facts.get('hotfix_basis') == 'rollup' or searched else ['patch-level-unproven']
    unproven_text = ' ' + _unproven(hotfixes, limit, today) if unproven else ''
    if age > limit and (today - latest).days <= limit:
        unsure = [h for h in hotfixes if (h.get('installed_on_latest') or h['installed_on']) != h['installed_on']
                  and (today - datetime.date.fromisoformat(h['installed_on_latest'])).days <= limit]
        readings = '; '.join('%s InstalledOn %r: %s or %s' % (h['id'], h.get('installed_on_raw'), h['installed_on'], h['installed_on_latest'])
                             for h in unsure)
        text = ('The newest update cannot be dated without guessing: %s. Read one way it is within the limit of %d days, read the '
                'other it is %d days old.' % (readings, limit, age))
        return finding(entry, WARN, 'patch-date-ambiguous', text + unproven_text, reasons=['patch-date-ambiguous'] + unproven,
                       observed=[h['id'] for h in unsure])
    undated = facts.get('hotfixes_undated') or []
    listed = ', '.join(undated[:5]) + (' ...' if len(undated) > 5 else '')
    unread = ' No date could be read from %d other update(s): %s.' % (len(undated), listed) if undated else ''
    if age > limit:
        newer = [item for item in undated if _could_be_within(item, today, limit)]
        if newer:
            # an update whose date cannot be read may be the recent one: the dated rows alone do not prove the node outdated
            return finding(entry, WARN, 'patch-date-unreadable', 'The newest dated update (%s) was installed on %s, %d days ago (limit %s), '
                           'but %d update(s) carry an InstalledOn value that could not be read and may be newer: %s.'
                           % (newest_ids, newest.isoformat(), age, policy['patch_max_age_days'], len(newer), ', '.join(newer[:5])),
                           reasons=['patch-date-unreadable'] + unproven, observed=newer)
        signals = reboot_signals(pending) if pending else []
        return finding(entry, FAIL, 'patches-outdated', 'The newest update (%s) was installed on %s, %d days ago (limit %s).%s%s'
                       % (newest_ids, newest.isoformat(), age, policy['patch_max_age_days'],
                          ' A reboot is pending too: %s.' % '; '.join(signals) if signals else '', unread))
    recent = 'The newest update (%s) was installed on %s, %d days ago.%s' % (newest_ids, newest.isoformat(), age, unread)
    problems = [('patch-level-unproven', unproven_text.strip())] if unproven else []
    if pending is None:
        reason = (facts.get('errors') or {}).get('pending_reboot') or 'not reported'
        problems.append(('reboot-state-unknown', 'Whether a reboot is pending is unknown: %s.' % reason))
    signals = reboot_signals(pending) if pending is not None else []
    if signals:
        problems.append(('reboot-pending', 'A reboot is pending: %s.' % '; '.join(signals)))
    if problems:
        extra = {'observed': signals} if signals else {}
        return finding(entry, WARN, problems[0][0], ' '.join([recent] + [text for dummy, text in problems]),
                       reasons=[reason for reason, dummy in problems], **extra)
    proof = (' The Windows Update search found no missing security update.' if searched and facts.get('hotfix_basis') != 'rollup'
             else '')
    return finding(entry, PASS, 'patches-recent', recent + ' No reboot is pending.' + proof)


def _unproven(hotfixes, limit, today):
    """Why a recent update outside a cumulative update does not date the node (no ``Package_for_RollupFix`` installed):
    a servicing stack update arrives as a ``Package_for_KB*`` package and a QFE row like any other, and QFE's ``Description``
    ("Security Update", "Update") is shared by servicing stack, .NET, Secure Boot and other single updates, so none of them
    proves the latest monthly rollup or cumulative update. The updates within the limit are named."""
    within = [h for h in hotfixes if (today - datetime.date.fromisoformat(h.get('installed_on_latest') or h['installed_on'])).days <= limit]
    named = ', '.join('%s (%s%s)' % (h.get('id') or h.get('name'), h.get('installed_on'),
                                     ', %s' % h['description'] if h.get('source') == 'wmi' and h.get('description') else '')
                      for h in within[:5])
    return ('No installed cumulative update (CBS Package_for_RollupFix) dates the node, and the update(s) within the limit of %d days '
            '(%s) may be servicing stack or other single updates, which say nothing about the monthly rollup or cumulative update '
            'installed: the patch level is not proven.' % (limit, named))


# Windows Update classification CategoryIDs (never localised, unlike the category names).
WU_SECURITY_CATEGORIES = {'0fa1201d-4330-4fa8-8ae9-b877473b6441': 'Security Updates', 'e6cf1350-c01b-414d-a61f-263d14d133b4': 'Critical Updates'}
WU_SUCCEEDED = 2  # OperationResultCode orcSucceeded (3 = with errors, 4 = failed, 5 = aborted)
COR_E_TIMEOUT = 0x80131505 - (1 << 32)


def windows_update_search(facts, requested=True):
    """The optional Windows Update search (server.security-patches): software updates not installed that are security or
    critical updates, or carry an MSRC severity. ``None`` when the search was not asked for. Search only; a search that
    failed, timed out, did not fully succeed or was not reported is ``error``, never a pass."""
    entry = 'server.security-patches'
    if not requested:
        return None
    search = facts.get('windows_update')
    if search is None:
        detail = (facts.get('error_details') or {}).get('windows_update') or {}
        reason = (facts.get('errors') or {}).get('windows_update') or 'no result'
        what = 'did not finish in time' if detail.get('hresult') == COR_E_TIMEOUT or detail.get('exception') == 'System.TimeoutException' \
            else 'failed'
        return finding(entry, ERROR, 'update-search-failed', 'The Windows Update search %s (%s): %s. Missing security updates are '
                       'unknown.' % (what, _error_code(detail), reason))
    wsus = search.get('wsus')
    if wsus is None:
        server = 'the node\'s update service (WSUS policy not reported)'
    elif wsus.get('use_wu_server') == 1:
        server = 'the WSUS server %s' % (wsus.get('server') or '(UseWUServer is 1 but WUServer is empty)')
    else:
        server = 'the node\'s default update service (Windows Update or Microsoft Update)'
    if search.get('result_code') != WU_SUCCEEDED:
        return finding(entry, ERROR, 'update-search-failed', 'The Windows Update search against %s ended with result code %s (2 = '
                       'succeeded): missing security updates are unknown.' % (server, search.get('result_code')))
    missing = [u for u in search.get('updates') or [] if u.get('severity')
               or any(str(c).lower() in WU_SECURITY_CATEGORIES for c in u.get('categories') or [])]
    if missing:
        listing = '; '.join('%s%s' % (u.get('title') or ', '.join('KB' + k for k in u.get('kb') or []),
                                      ' (%s)' % u['severity'] if u.get('severity') else '') for u in missing[:10])
        more = ' and %d more' % (len(missing) - 10) if len(missing) > 10 else ''
        return finding(entry, FAIL, 'security-updates-missing', '%d security update(s) offered by %s are not installed: %s%s.'
                       % (len(missing), server, listing, more),
                       observed=['KB' + k for u in missing for k in u.get('kb') or []])
    others = len(search.get('updates') or [])
    found = 'No security update offered by %s is missing%s.' % (server, ' (%d other update(s) are not installed)' % others if others else '')
    if wsus is None:
        # without the policy, a WSUS that offers only the updates it approved cannot be ruled out
        return finding(entry, WARN, 'update-search-source-unknown', '%s Whether a WSUS server was searched (and so only the updates '
                       'approved on it) is unknown.' % found)
    if wsus.get('use_wu_server') == 1:
        return finding(entry, WARN, 'update-search-wsus', '%s Only updates approved on WSUS %s were searched: security updates it has '
                       'not approved are not seen.' % (found, wsus.get('server') or '(no WUServer set)'),
                       observed={'wsus_server': wsus.get('server')})
    return finding(entry, PASS, 'no-security-updates-missing', found)


def clock_offset(facts, window, policy):
    """Advisory (reported under server.hardware-minimum, the entry of "all nodes of the clusters"): the node's clock against
    the controller's. ``window`` is the controller's (start, end) time of the module run in seconds since the epoch; the
    node read its clock at an unknown moment in between. It passes only when the offset is within the limit for every
    moment of the window, warns ``clock-offset`` when it is beyond the limit for every moment, and otherwise (the window
    is too wide to tell) warns ``clock-window-too-wide``: unprovable is never a pass."""
    entry = 'server.hardware-minimum'
    clock = facts.get('clock')
    if clock is None or clock.get('utc_epoch_ms') is None:
        return finding(entry, ERROR, 'clock-unknown', 'The node\'s clock could not be read (%s).'
                       % ((facts.get('errors') or {}).get('clock') or 'no value returned'))
    start, end = window
    node = clock['utc_epoch_ms'] / 1000.0
    ahead, behind = node - end, start - node  # the least the node can be ahead of / behind the controller
    limit = float(policy['clock_max_offset_s'])
    observed = {'offset_s': round(node - (start + end) / 2, 1), 'window_s': round(end - start, 1)}
    if ahead > limit or behind > limit:
        side, amount = ('ahead of', ahead) if ahead > limit else ('behind', behind)
        return finding(entry, WARN, 'clock-offset', 'The node\'s clock is at least %.0f s %s the controller\'s (limit %s s).'
                       % (amount, side, policy['clock_max_offset_s']), observed=observed)
    if node - start > limit or end - node > limit:
        # the node read its clock somewhere in a window wider than the limit allows: an offset beyond it cannot be ruled out
        return finding(entry, WARN, 'clock-window-too-wide', 'The node\'s clock could not be compared closely enough: it was read '
                       'somewhere in a %.0f s window of the controller\'s time (offset %+.1f s from its middle), so an offset beyond '
                       'the limit of %s s can be neither shown nor ruled out.'
                       % (end - start, observed['offset_s'], policy['clock_max_offset_s']), observed=observed)
    return finding(entry, PASS, 'clock-in-sync', 'The node\'s clock is within %s s of the controller\'s (offset %+.1f s, +/- %.1f s of '
                   'task time).' % (policy['clock_max_offset_s'], observed['offset_s'], (end - start) / 2), observed=observed)


def _install_disk(hw, install_dir):
    """(drive, free bytes) of the drive that holds ``install_dir``; free is None when that drive is not a local fixed disk."""
    drive = str(install_dir)[:2].upper()
    disks = hw.get('fixed_disks')
    if disks is None:  # a gather that listed the system drive only
        return drive, hw['disk_free_bytes'] if drive == str(hw.get('system_drive') or '').upper() else None
    return drive, next((d['free_bytes'] for d in disks if d['drive'].upper() == drive), None)


def hardware_minimum(facts, policy):
    """server.hardware-minimum: CPU, memory and free space on the drive of install_dir meet the site's minimums."""
    entry = 'server.hardware-minimum'
    missing = _missing(entry, facts, 'hardware')
    if missing:
        return missing
    hw = facts['hardware']
    drive, free = _install_disk(hw, policy['install_dir'])
    observed = '%d logical processors, %.1f GiB memory, %s free on %s (drive of %s)' % (
        hw['logical_processors'], hw['memory_bytes'] / GIB, '%.1f GiB' % (free / GIB) if free is not None else 'nothing', drive,
        policy['install_dir'])
    short = []
    if hw['logical_processors'] < int(policy['min_logical_processors']):
        short.append('%d logical processors < %s' % (hw['logical_processors'], policy['min_logical_processors']))
    if hw['memory_bytes'] < float(policy['min_memory_gb']) * GIB:
        short.append('%.1f GiB memory < %s GiB' % (hw['memory_bytes'] / GIB, policy['min_memory_gb']))
    if free is None:
        return finding(entry, FAIL, 'install-drive-missing', 'Drive %s of %s is not a local fixed disk on this node (%s).'
                       % (drive, policy['install_dir'], ', '.join(d['drive'] for d in hw.get('fixed_disks') or []) or 'no fixed disk listed'))
    if free < float(policy['min_disk_free_gb']) * GIB:
        short.append('%.1f GiB free on %s < %s GiB' % (free / GIB, drive, policy['min_disk_free_gb']))
    if short:
        return finding(entry, FAIL, 'below-minimum', 'Below the minimum: %s (%s).' % ('; '.join(short), observed))
    return finding(entry, PASS, 'meets-minimum', observed + '.')


def cluster_alike(hardware_by_host, tolerance=0.1):
    """Site-level comparison for server.hardware-minimum ("all nodes of the clusters"): the hosts whose logical processors
    or memory differ from the largest node by more than ``tolerance`` (a fraction). ``hardware_by_host`` maps a host to its
    ``hardware`` fact (None when unknown). Pure: the hook for the report stage, which sees every node of the run.
    Returns ``(status, detail, differing_hosts)``: pass when all known nodes are alike, warn when some differ, error
    when fewer than two nodes are known."""
    known = {host: hw for host, hw in hardware_by_host.items() if hw}
    if len(known) < 2:
        return ERROR, 'Fewer than two cluster nodes reported their hardware; they cannot be compared.', []
    top_cpu = max(hw['logical_processors'] for hw in known.values())
    top_mem = max(hw['memory_bytes'] for hw in known.values())
    differing = sorted(host for host, hw in known.items()
                       if hw['logical_processors'] < top_cpu * (1 - tolerance) or hw['memory_bytes'] < top_mem * (1 - tolerance))
    listing = '; '.join('%s: %d logical processors, %.1f GiB' % (host, hw['logical_processors'], hw['memory_bytes'] / GIB)
                        for host, hw in sorted(known.items()))
    if differing:
        return WARN, 'The cluster nodes are not alike (%s differ): %s.' % (', '.join(differing), listing), differing
    return PASS, 'The cluster nodes are alike: %s.' % listing, []


def _is_ip(text):
    try:
        ipaddress.ip_address(str(text))
    except ValueError:
        return False
    return True


def _dns_problems(dns, ipv4):
    """Forward/reverse DNS of the node's FQDN against its IPv4 addresses: a list of problem texts."""
    fqdn = dns['fqdn'].rstrip('.').lower()
    problems = []
    if dns.get('forward_error') or not dns.get('forward'):
        problems.append('%s has no A record in DNS (%s)' % (dns['fqdn'], dns.get('forward_error') or 'no answer'))
    elif not set(dns['forward']) & set(ipv4):
        problems.append('%s resolves to %s, not to an address of this node' % (dns['fqdn'], ', '.join(dns['forward'])))
    for item in dns.get('reverse') or []:
        if item['address'] not in dns.get('forward', ()) and dns.get('forward'):
            continue  # only the addresses the name resolves to must point back to it
        names = [n.rstrip('.').lower() for n in item.get('names') or []]
        if fqdn not in names:
            problems.append('the reverse lookup of %s gives %s' % (item['address'], ', '.join(item.get('names') or []) or
                                                                   'no PTR record (%s)' % (item.get('error') or 'no answer')))
    return problems


def ip_addresses_prepared(facts, declared=None):
    """server.ip-addresses-prepared: fixed IPv4 addresses (not leased by DHCP), the node's declared address on an adapter,
    forward and reverse DNS of its name consistent with them."""
    entry = 'server.ip-addresses-prepared'
    missing = _missing(entry, facts, 'adapters')
    if missing:
        return missing
    adapters = facts['adapters']
    if not adapters:
        return finding(entry, ERROR, 'no-adapter', 'No IP-enabled network adapter was reported.')
    ipv4 = [ip for a in adapters for ip in a['addresses'] if '.' in ip and ':' not in ip]
    leased = [a for a in adapters if a['dhcp_enabled'] and any('.' in ip for ip in a['addresses'])]
    listing = '; '.join('%s: %s%s' % (a['description'], ', '.join(a['addresses']), ' (DHCP)' if a['dhcp_enabled'] else '') for a in adapters)
    if declared and _is_ip(declared) and str(ipaddress.ip_address(declared)) not in {str(ipaddress.ip_address(ip.split('%')[0]))
                                                                                     for a in adapters for ip in a['addresses']}:
        return finding(entry, FAIL, 'declared-address-missing', 'The inventory address %s is on no adapter of this node (%s).'
                       % (declared, listing))
    warnings = []
    if leased:
        warnings.append(('dhcp-address', 'An IPv4 address is leased by DHCP: %s.' % listing))
    dns = facts.get('dns')
    if dns is None:  # the section failed: the names printers and terminals use were not checked, which is no pass
        warnings.append(('dns-unknown', 'Forward and reverse DNS of the node could not be read (%s).'
                         % ((facts.get('errors') or {}).get('dns') or 'no DNS facts')))
    else:
        problems = _dns_problems(dns, ipv4)
        if problems:
            warnings.append(('dns-inconsistent', 'DNS is not consistent with this node: %s.' % '; '.join(problems)))
    if warnings:
        return finding(entry, WARN, warnings[0][0], ' '.join(w[1] for w in warnings), reasons=[w[0] for w in warnings],
                       observed=[w[0] for w in warnings])
    dns_text = ' %s resolves to it both ways.' % dns['fqdn'] if dns else ''
    return finding(entry, PASS, 'static-addresses', listing + '.' + dns_text)


# HRESULT_FROM_WIN32(ERROR_ACCESS_DENIED) = 0x80070005, as the signed 32-bit value .NET reports.
E_ACCESSDENIED = 0x80070005 - (1 << 32)
# Raw text from gatherers older than error details (HResult/category): English only, kept for them.
_LEGACY_DENIED_TEXT = 'access is denied'


def _access_denied(share):
    """True when the share answered access denied: by HResult or error category (locale-independent)."""
    if share.get('hresult') is not None or share.get('category'):
        return share.get('hresult') == E_ACCESSDENIED or share.get('category') == 'PermissionDenied'
    return _LEGACY_DENIED_TEXT in str(share.get('error') or '').lower()


def shared_folder(facts):
    """server.shared-folder: the installation share is reachable and listable from this node."""
    entry = 'server.shared-folder'
    share = facts.get('share')
    if share is None:
        missing = _missing(entry, facts, 'share')
        if (facts.get('errors') or {}).get('share'):
            return missing
        return finding(entry, ERROR, 'share-not-configured', 'No installation share was given (safeq_install_share).')
    error = share.get('error') or ''
    if share['exists'] and share['listable']:
        return finding(entry, PASS, 'share-listable', '%s is reachable and can be listed.' % share['path'])
    if _access_denied(share):
        return finding(entry, ERROR, 'access-denied',
                       '%s answered "access denied". Over WinRM with Basic/NTLM the session has no network credentials '
                       '(second hop), so this does not prove the share is unusable.' % share['path'])
    return finding(entry, FAIL, 'share-unreachable', '%s is not reachable: %s' % (share['path'], error or 'path not found'))


# SafeQ 6 folders to exclude from real-time scanning, relative to the installation folder (the SafeQ 6 "Antivirus
# Exclusions" page; the SafeQ 5 page is not public, so for SafeQ 5 the installation folder itself is checked).
SAFEQ6_AV_FOLDERS = ('Management\\PGSQL-data', 'SPOC\\SpoolCache', 'SPOC\\SpoolCache\\replicator', 'SPOC\\terminalserver\\DS9DB',
                     'SPOC\\terminalserver\\etcd', 'FSP\\logs', 'Management\\logs', 'SPOC\\logs', 'SPOC\\terminalserver\\logs',
                     'SPOC\\EUI\\logs', 'WPS\\logs')
# AMRunningMode values in which Defender is not the real-time scanner (another product is).
PASSIVE_MODES = ('passive mode', 'sxs passive mode', 'edr block mode')
# Defender's own file-system filter drivers (group "FSFilter Anti-Virus").
DEFENDER_FILTERS = ('wdfilter', 'wdboot', 'wdnisdrv', 'mpfilter')
_ENV = re.compile(r'%([^%]+)%')


def av_folders(install_dir):
    """The folders real-time scanning must not cover: the installation folder, and for SafeQ 6 its listed subfolders."""
    root = str(install_dir).rstrip('\\')
    if root.rsplit('\\', maxsplit=1)[-1].lower().startswith('safeq6'):
        return [root + '\\' + sub for sub in SAFEQ6_AV_FOLDERS]
    return [root]


def _expand(path, system_drive):
    """An exclusion with the well-known environment variables expanded, or None when it names another one."""
    drive = (system_drive or 'C:').rstrip('\\')
    known = {'systemdrive': drive, 'systemroot': drive + '\\Windows', 'windir': drive + '\\Windows', 'programfiles': drive + '\\Program Files',
             'programfiles(x86)': drive + '\\Program Files (x86)', 'programw6432': drive + '\\Program Files',
             'programdata': drive + '\\ProgramData', 'allusersprofile': drive + '\\ProgramData'}
    names = [name.lower() for name in _ENV.findall(path)]
    if any(name not in known for name in names):
        return None
    return _ENV.sub(lambda match: known[match.group(1).lower()], path)


def _covers(exclusion, folder):
    """True when a Defender path exclusion (wildcards * and ? within a path segment) covers ``folder`` or an ancestor."""
    pattern = exclusion.rstrip('\\').lower().split('\\')
    if pattern and pattern[-1] == '*':
        pattern = pattern[:-1]
    target = folder.rstrip('\\').lower().split('\\')
    if not pattern or len(pattern) > len(target):
        return False
    return all(fnmatch.fnmatchcase(seg, pat) for seg, pat in zip(target, pattern))


# WBEM_E_INVALID_NAMESPACE: root\Microsoft\Windows\Defender does not exist (Server 2012 R2, feature removed), as the
# signed 32-bit value .NET reports; CDXML cmdlets (Get-MpComputerStatus) carry it in the FullyQualifiedErrorId.
WBEM_E_INVALID_NAMESPACE = 0x8004100E - (1 << 32)
_INVALID_NAMESPACE_ID = 'hresult 0x8004100e'
_DEFENDER_NOT_RUNNING = '800106ba'


def _error_code(detail):
    """The locale-independent identity of a gather error, for a person: HResult (hex), category, error id."""
    detail = detail or {}
    parts = []
    if detail.get('hresult') is not None:
        parts.append('HResult 0x%08X' % (int(detail['hresult']) & 0xFFFFFFFF))
    for key in ('native_error', 'category', 'error_id'):
        if detail.get(key):
            parts.append('%s %s' % (key.replace('_', ' '), detail[key]))
    return ', '.join(parts) or 'no error code reported'


def defender_absent(detail):
    """Why Microsoft Defender is absent, from the gather's error details, or None when the error does not prove it.

    Only the invalid Defender WMI namespace (0x8004100E) or a missing Defender cmdlet (CommandNotFoundException) means "no
    Defender"; access denied, a WMI timeout or an unavailable RPC server say nothing about it."""
    detail = detail or {}
    error_id = str(detail.get('error_id') or '').lower()
    if detail.get('hresult') == WBEM_E_INVALID_NAMESPACE or error_id.startswith(_INVALID_NAMESPACE_ID) \
            or str(detail.get('native_error') or '').lower() == 'invalidnamespace':
        return 'the Defender WMI namespace does not exist (0x8004100E)'
    if error_id.startswith('commandnotfoundexception') or detail.get('exception') == 'System.Management.Automation.CommandNotFoundException':
        return 'the Defender cmdlets are not installed'
    return None


def antivirus(facts, policy):
    """server.antivirus: no real-time scanner covers the SafeQ folders (Defender exclusions; other products named)."""
    entry = 'server.antivirus'
    defender = facts.get('defender')
    if facts.get('av_filters') is None and defender is not None and defender.get('realtime'):
        # without the filter drivers a third-party scanner cannot be ruled out: Defender's exclusions alone prove nothing
        return finding(entry, ERROR, 'av-filters-unknown', 'The loaded file-system filter drivers could not be read (%s), so another '
                       'real-time scanner cannot be ruled out.' % ((facts.get('errors') or {}).get('av_filters') or 'no filter facts'))
    filters = [f for f in facts.get('av_filters') or [] if str(f.get('name', '')).lower() not in DEFENDER_FILTERS]
    others = ', '.join('%s (%s)' % (f.get('display_name') or f['name'], f['name']) for f in filters)
    check_other = {'products': others or 'the antivirus product in use', 'folders': ', '.join(av_folders(policy['install_dir']))}
    if defender is None:
        reason = (facts.get('errors') or {}).get('defender') or 'no Microsoft Defender status'
        absent = defender_absent((facts.get('error_details') or {}).get('defender'))
        if absent is None:
            detail = (facts.get('error_details') or {}).get('defender') or {}
            if _DEFENDER_NOT_RUNNING in _error_code(detail).lower() and facts.get('av_filters') is not None and filters:
                # the Defender service is not running and the filter drivers, read, show another scanner: it took over
                return finding(entry, MANUAL, 'third-party-av', 'Microsoft Defender is not running (%s: the Defender service is '
                               'disabled or stopped) and another antivirus filter driver is loaded: %s.' % (_error_code(detail), others),
                               fix=check_other, observed=[f['name'] for f in filters])
            hint = (' 0x800106BA means the Defender service is not running, typically because another antivirus product '
                    'took over: name it and check its exclusions.' if _DEFENDER_NOT_RUNNING in _error_code(detail).lower() else '')
            return finding(entry, ERROR, 'defender-unreadable', 'Microsoft Defender could not be read (%s): %s. Only an invalid Defender '
                           'namespace or missing Defender cmdlets mean "no Defender"; this error does not, so the antivirus state is '
                           'unknown.%s' % (_error_code(detail), reason, hint))
        reason = '%s: %s' % (absent, reason)
        if filters:
            return finding(entry, MANUAL, 'third-party-av', 'Microsoft Defender is not available (%s); another antivirus filter driver '
                           'is loaded: %s.' % (reason, others), fix=check_other, observed=[f['name'] for f in filters])
        return finding(entry, MANUAL, 'defender-unavailable', 'Microsoft Defender status is not available (%s); '
                       'another antivirus product may be in use.' % reason, fix=check_other)
    exclusions = [str(x) for x in defender.get('exclusions') or [] if x]
    mode = str(defender.get('running_mode') or '')
    if mode.lower() in PASSIVE_MODES:
        return finding(entry, MANUAL, 'defender-passive', 'Microsoft Defender runs in %s: another product does the real-time '
                       'scanning%s.' % (mode, ' (%s)' % others if others else ''), fix=check_other, observed=[f['name'] for f in filters])
    if not defender['realtime']:
        if filters:
            return finding(entry, MANUAL, 'third-party-av', 'Microsoft Defender real-time protection is off; another antivirus '
                           'filter driver is loaded: %s.' % others, fix=check_other, observed=[f['name'] for f in filters])
        return finding(entry, WARN, 'realtime-off', 'Microsoft Defender real-time protection is off and no other antivirus filter '
                       'driver was found: nothing scans the SafeQ folders, but the server is unprotected, which is not a pass by itself.')
    if any(x.lower().startswith('n/a') for x in exclusions):
        return finding(entry, ERROR, 'exclusions-hidden', 'Defender hides its exclusions from this account: %s' % exclusions[0])
    drive = (facts.get('hardware') or {}).get('system_drive')
    expanded = [(x, _expand(x, drive)) for x in exclusions]
    unexpanded = [x for x, e in expanded if e is None]
    folders = av_folders(policy['install_dir'])
    missing = [f for f in folders if not any(e and _covers(e, f) for dummy, e in expanded)]
    note = (' Exclusions with an environment variable this check cannot expand were not counted: %s.' % ', '.join(unexpanded)) if unexpanded else ''
    if missing:
        return finding(entry, WARN, 'install-dir-not-excluded', 'Real-time protection is on and %d SafeQ folder(s) are not excluded: %s.%s'
                       % (len(missing), ', '.join(missing), note), observed=missing)
    extra = (' Another antivirus filter driver is loaded too: %s; check its exclusions.' % others) if filters else ''
    return finding(entry, MANUAL if filters else PASS, 'third-party-av' if filters else 'install-dir-excluded',
                   'Real-time protection is on; every SafeQ folder is excluded (%s).%s%s' % (', '.join(folders), extra, note),
                   **({'fix': check_other} if filters else {}))


def evaluate(facts, policy=None, today=None, share_requested=False, declared=None, window=None, update_search=False):
    """All server_check findings for one node's facts. ``window``: the controller's (start, end) epoch seconds around
    the gather, for the clock advisory (left out without it). ``update_search``: the Windows Update search was asked
    for, so its finding is added."""
    effective = dict(DEFAULT_POLICY)
    effective.update(policy or {})
    today = today or datetime.date.today()
    search = windows_update_search(facts, update_search)
    findings = [
        admin_rights(facts),
        supported_platform(facts, effective),
        windows_installer(facts),
        web_browser(facts, effective),
        security_patches(facts, effective, today, searched=bool(search) and search['status'] == PASS),
        hardware_minimum(facts, effective),
        ip_addresses_prepared(facts, declared),
        antivirus(facts, effective),
    ]
    if share_requested:
        findings.append(shared_folder(facts))
    if search:
        findings.append(search)
    if window is not None:
        findings.append(clock_offset(facts, window, effective))
    return findings
