# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Evaluators for the win_feature_facts module's facts (windows_feature_check).

PRIVATE to this collection. Pure functions: facts in, findings out.
"""

from __future__ import annotations

import fnmatch

from ansible_collections.safeq.preflight.plugins.module_utils._findings import (
    ERROR, FAIL, MANUAL, PASS, WARN, finding,
)

WEB_SERVER_FEATURES = ('Web-Server',)
PRINT_FEATURES = ('Print-Server', 'Print-LPD-Service')

# Windows features this check knows: ServerManager name (Get-WindowsFeature, Windows Server) -> the optional feature
# that is the same component on a client SKU (Get-WindowsOptionalFeature -Online), or None when a client has none.
# A name outside this table is refused before any node is contacted (a typo would otherwise read as "not installed").
KNOWN_FEATURES = {
    'Web-Server': 'IIS-WebServerRole',
    'Web-WebServer': 'IIS-WebServer',
    'Web-Ftp-Server': 'IIS-FTPServer',
    'Web-DAV-Publishing': 'IIS-WebDAV',
    'Print-Server': None,
    'Print-Services': 'Printing-Foundation-Features',
    'Print-LPD-Service': 'Printing-Foundation-LPDPrintService',
    'Print-Internet': 'Printing-Foundation-InternetPrinting-Client',
    'NET-Framework-Core': 'NetFx3',
    'NET-Framework-45-Core': 'NetFx4-AdvSrvs',
    'NET-Framework-45-ASPNET': 'NetFx4Extended-ASPNET45',
    'FS-SMB1': 'SMB1Protocol',
    'SNMP-Service': 'SNMP',
    'Telnet-Client': 'TelnetClient',
    'TFTP-Client': 'TFTP',
    'Fax': 'FaxServicesClientPackage',
    'WDS': None,
    'DHCP': None,
    'DNS': None,
    'AD-Domain-Services': None,
    'ADLDS': None,
    'ADCS-Cert-Authority': None,
    'Hyper-V': 'Microsoft-Hyper-V',
    'Windows-Defender': None,
    'Failover-Clustering': None,
    'NLB': None,
    'RDS-RD-Server': None,
    'SMTP-Server': None,
    'WAS': 'WAS-WindowsActivationService',
    'MSMQ': 'MSMQ-Container',
    'PowerShellRoot': None,
    'PowerShell-V2': 'MicrosoftWindowsPowerShellV2Root',
    'Wireless-Networking': None,
    'XPS-Viewer': 'Xps-Foundation-Xps-Viewer',
}
_CLIENT_TO_SERVER = {client: server for server, client in KNOWN_FEATURES.items() if client}
# Get-WindowsOptionalFeature's State -> Get-WindowsFeature's InstallState.
_OPTIONAL_STATES = {'Enabled': 'Installed', 'Disabled': 'Available', 'DisabledWithPayloadRemoved': 'Removed',
                    'EnablePending': 'InstallPending', 'DisablePending': 'UninstallPending'}
# The checklist's own feature rules (no LPD Service with the Print Server role; no web server, where one that never listens
# on TCP 80 is a warning) are always evaluated in their own entries; a site's ``absent`` list adds to them (and is
# judged in server.no-interfering-software), it never replaces them. Nothing is required or forbidden beyond them by default.
DEFAULT_PRESENT = ()
DEFAULT_ABSENT = ()
# The features with their own checklist entry (evaluated there, left out of the site's lists).
_OWN_ENTRIES = ('Web-Server', 'Print-LPD-Service')
# Web servers by service name: IIS, Apache (and WAMP's wampapache), nginx, Tomcat, lighttpd, Caddy, and SQL Server Reporting
# Services (2017+: SQLServerReportingServices; 2008-2016: ReportServer, ReportServer$INSTANCE), which serves HTTP on 80
# through http.sys when it runs: stopped, it is still installed.
WEB_SERVER_SERVICES = ('W3SVC', 'Apache*', 'wampapache*', 'nginx*', 'Tomcat*', 'httpd*', 'lighttpd*', 'Caddy*',
                       'SQLServerReportingServices', 'ReportServer*')
LPD_SERVICES = ('LPDSVC',)
SERVICES = WEB_SERVER_SERVICES + LPD_SERVICES
PORTS = (80, 443, 515)

# Other print-management products (a conflict) and database servers (allowed only when intended for SafeQ).
DEFAULT_CONFLICTING_PRINT = ('*PaperCut*', '*Equitrac*', '*uniFLOW*', 'MyQ*', '*Pharos*', '*PrinterLogic*', '*Printix*',
                             '*ThinPrint*', '*ControlSuite*', '*Streamline NX*', '*Follow-You*', '*LRS VPSX*')
# A SQL Server engine registers as "Microsoft SQL Server 2019 (64-bit)" (2005: "Microsoft SQL Server 2005"); its client
# parts ("... 2012 Native Client", "... 2019 T-SQL Language Service", ODBC/OLE DB drivers) are not database servers.
DEFAULT_DATABASES = ('Microsoft SQL Server 20?? (??-bit)', 'Microsoft SQL Server 20?? R2 (??-bit)', 'Microsoft SQL Server 20??',
                     'Microsoft SQL Server 20?? R2', 'Microsoft SQL Server 20?? Express*', 'Microsoft SQL Server Express*',
                     'PostgreSQL*', 'MySQL Server*', 'MariaDB*', 'Oracle Database*', 'Firebird*')
# Database engines by service display name ("SQL Server (MSSQLSERVER)"; not "SQL Server Agent (...)" or the Browser).
DEFAULT_DATABASE_SERVICES = ('SQL Server (*)', 'postgresql*', 'MySQL*', 'MariaDB*', 'OracleService*', 'Firebird*')
# Service display names asked from the node (Get-Service -DisplayName, wildcards): other print solutions and databases.
SERVICE_DISPLAY_NAMES = DEFAULT_CONFLICTING_PRINT + DEFAULT_DATABASE_SERVICES
# Software that a plain Windows Server carries: specific Windows and runtime components, never a whole vendor
# ("Microsoft *" would let SQL Server, Exchange, SSRS, System Center or Visual Studio pass as baseline). Everything else
# must be agreed with Y Soft (safeq_allowed_software). Deliberately not baseline: .NET SDKs, Visual Studio and other
# developer tools, SQL Server client tools and drivers, Office, Windows Admin Center (a web server), monitoring agents.
DEFAULT_BASELINE = (
    # Windows updates and the Windows Management Framework (PowerShell 5.1, WinRM)
    'Update for *', 'Security Update for *', 'Hotfix for *', 'Windows Management Framework*', 'Microsoft Update Health Tools',
    # Visual C++ runtimes
    'Microsoft Visual C++ 20*Redistributable*', 'Microsoft Visual C++ 20* Minimum Runtime*', 'Microsoft Visual C++ 20* Additional Runtime*',
    # .NET runtimes (not SDKs, targeting packs or hosting bundles)
    'Microsoft .NET Framework 4.?', 'Microsoft .NET Framework 4.?.?', 'Microsoft .NET Runtime - *', 'Microsoft .NET Core Runtime - *',
    'Microsoft .NET Host - *', 'Microsoft .NET Host FX Resolver - *', 'Microsoft .NET Core Host - *', 'Microsoft .NET Core Host FX Resolver - *',
    'Microsoft Windows Desktop Runtime - *', 'Microsoft ASP.NET Core * - Shared Framework*',
    # Edge, Defender, PowerShell 7
    'Microsoft Edge', 'Microsoft Edge Update', 'Microsoft Edge WebView2 Runtime', 'Microsoft Defender for Endpoint*', 'PowerShell 7*',
    # hypervisor and cloud guest agents and drivers
    'VMware Tools', 'Hyper-V *', 'Amazon SSM Agent', 'AWS PV Drivers', 'QEMU guest agent', 'Citrix XenServer*', 'Windows Azure VM Agent*',
    # browsers commonly present, and Y Soft's own
    'Google Chrome', 'Google Update Helper', 'Mozilla Firefox*', 'Mozilla Maintenance Service', 'Y Soft *', 'YSoft *')


def _match(name, patterns):
    lowered = name.lower()
    return next((pat for pat in patterns if fnmatch.fnmatchcase(lowered, pat.lower())), None)


def _unavailable(entry, facts, name):
    reason = (facts.get('errors') or {}).get(name) or 'no value returned'
    return finding(entry, ERROR, 'fact-unavailable', 'The node could not read %s: %s' % (name, reason))


def unknown_features(names):
    """The names in ``names`` that are not in KNOWN_FEATURES (case-insensitive), for the option rules."""
    known = {name.lower() for name in KNOWN_FEATURES}
    return [name for name in names if str(name).lower() not in known]


def canonical_feature(name):
    """The KNOWN_FEATURES spelling of a ServerManager feature name (Windows compares them case-insensitively)."""
    return next((known for known in KNOWN_FEATURES if known.lower() == str(name).lower()), name)


def query_names(names):
    """The module's ``features`` argument: each ServerManager name and its client optional-feature name."""
    wanted = [canonical_feature(name) for name in names]
    return sorted(set(wanted)), sorted({KNOWN_FEATURES[name] for name in wanted if KNOWN_FEATURES.get(name)})


def feature_states(facts):
    """``{ServerManager name: install state}`` from either source (client optional features mapped to server names)."""
    states = {}
    for item in facts.get('features') or []:
        if item.get('source') == 'OptionalFeature':
            name = _CLIENT_TO_SERVER.get(item['name'], item['name'])
            states[name] = _OPTIONAL_STATES.get(item['install_state'], item['install_state'])
        else:
            states[canonical_feature(item['name'])] = item['install_state']
    return states


def _installed(facts, names):
    states = feature_states(facts)
    return [name for name in names if states.get(name) in ('Installed', 'InstallPending')]


def _removal_pending(facts, names):
    """The features of ``names`` whose removal waits for a reboot (still installed and running until then)."""
    states = feature_states(facts)
    return [name for name in names if states.get(name) == 'UninstallPending']


# What playbooks/record_node_profile.yml asks for: every known feature, so a recorded profile answers any site lists.
RECORD_FEATURES, RECORD_OPTIONAL_FEATURES = query_names(KNOWN_FEATURES)


def no_web_server_on_80(facts):
    """server.no-web-server-port-80: nothing listens on TCP 80; ideally no web server (the Web-Server feature, a known web
    server service) is installed. The feature is always checked here, whatever the site's ``absent`` list says."""
    entry = 'server.no-web-server-port-80'
    if facts.get('listeners') is None:
        return _unavailable(entry, facts, 'listeners')
    on_80 = [item for item in facts['listeners'] if item['port'] == 80]
    if on_80:
        owners = ', '.join('%s (pid %d) on %s' % (item.get('process') or 'unknown process', item['pid'], item['address']) for item in on_80)
        hint = ' PID 4 (System) is http.sys: IIS, WebDAV, SSRS or another HTTP.sys application.' if any(item['pid'] == 4 for item in on_80) else ''
        return finding(entry, FAIL, 'port-80-in-use', 'TCP 80 is in use: %s.%s' % (owners, hint), observed=on_80)
    unread = [name for name in ('features', 'services') if facts.get(name) is None]
    web = _installed(facts, WEB_SERVER_FEATURES) if facts.get('features') is not None else []
    web += [s['name'] for s in facts.get('services') or [] if _match(s['name'], WEB_SERVER_SERVICES)]
    pending = _removal_pending(facts, WEB_SERVER_FEATURES) if facts.get('features') is not None else []
    unread_text = ' (the %s could not be read: %s)' % (' and the '.join(unread), '; '.join(
        '%s: %s' % (name, (facts.get('errors') or {}).get(name) or 'no value returned') for name in unread)) if unread else ''
    if web:
        # an installed web server is a warning whatever the unread source would add (nothing listens on 80)
        return finding(entry, WARN, 'web-server-installed', 'No process listens on TCP 80, but a web server is installed: %s%s.'
                       % (', '.join(web + ['%s (UninstallPending)' % name for name in pending]), unread_text))
    if pending:
        return finding(entry, WARN, 'web-server-removal-pending', 'No process listens on TCP 80; the removal of %s waits for a reboot '
                       '(it stays installed until then)%s.' % (', '.join(pending), unread_text))
    if unread:
        # the features are the only sign of a Web-Server role without W3SVC, the services the only sign of Apache,
        # nginx or Tomcat: without either, an installed, stopped web server cannot be ruled out
        return finding(entry, ERROR, 'web-server-unknown', 'Nothing listens on TCP 80, but whether a web server is installed is unknown%s.'
                       % unread_text)
    return finding(entry, PASS, 'no-web-server', 'No web server is installed and nothing listens on TCP 80.')


def no_lpd_with_print_server(facts):
    """server.no-lpd-with-print-server: with the Print Server role, the LPD Service (feature Print-LPD-Service, always
    checked whatever the site's ``absent`` list says; service LPDSVC) is not installed."""
    entry = 'server.no-lpd-with-print-server'
    services = facts.get('services')
    if facts.get('features') is None and services is None:
        return _unavailable(entry, facts, 'features')
    lpd = _installed(facts, ('Print-LPD-Service',))
    pending = _removal_pending(facts, ('Print-LPD-Service',))
    lpd_services = [s['name'] for s in services or [] if s['name'].upper() in LPD_SERVICES]
    print_server = _installed(facts, ('Print-Server',))
    beside = ' next to the Print Server role' if print_server else ''
    # the checklist's condition is visible on the node: the report applies the entry even if the site did not declare it
    shows = {'node_shows': ['print_server_role']} if print_server else {}
    if lpd or (lpd_services and not pending):
        return finding(entry, FAIL, 'lpd-installed', 'The LPD Service is installed (%s)%s.'
                       % (', '.join(sorted(set(lpd + lpd_services))), beside), **shows)
    if pending:
        # LPDSVC exists and may run until the reboot that removes the feature
        return finding(entry, WARN, 'lpd-removal-pending', 'The removal of the LPD Service (Print-LPD-Service, UninstallPending%s) '
                       'waits for a reboot; it stays installed until then%s.'
                       % ('; service %s still present' % ', '.join(lpd_services) if lpd_services else '', beside), **shows)
    if facts.get('features') is None:
        return finding(entry, PASS, 'lpd-service-absent', 'The LPDSVC service does not exist (Get-WindowsFeature was unavailable: %s).'
                       % (facts.get('errors') or {}).get('features', 'no reason given'))
    return finding(entry, PASS, 'lpd-absent', 'The LPD Service is not installed%s.' % (' (Print Server role present)' if print_server else ''),
                   **shows)


def required_features(facts, present=DEFAULT_PRESENT):
    """server.required-features: the features the checklist requires ("Following features has to be installed and
    available") are installed. The checklist does not name them (YSoft's list for the version being installed): without
    the site's ``present`` list only a person can confirm it (``manual``, attested); with it, each must be Installed."""
    entry = 'server.required-features'
    wanted = [canonical_feature(name) for name in present]
    if not wanted:
        return finding(entry, MANUAL, 'required-features-unlisted', 'The checklist requires Windows features it does not name: '
                       'confirm the node has those YSoft lists for the SafeQ version being installed and attest this entry, or list '
                       'them in safeq_windows_features_present to have them checked.')
    if facts.get('features') is None:
        return _unavailable(entry, facts, 'features')
    states = feature_states(facts)
    client = any(item.get('source') == 'OptionalFeature' for item in facts['features'])
    # InstallPending is not available until the reboot that completes it
    missing = ['%s (%s)' % (name, states.get(name) or ('no client equivalent' if client and not KNOWN_FEATURES.get(name) else 'not found'))
               for name in wanted if states.get(name) != 'Installed']
    if missing:
        return finding(entry, FAIL, 'required-feature-missing', 'Windows features required by the site are not installed: %s.'
                       % ', '.join(missing), observed={'missing': missing})
    return finding(entry, PASS, 'required-features-installed', 'Every required Windows feature is installed: %s.' % ', '.join(wanted))


def _feature_lists(entry, facts, absent):
    """A ``fail`` finding when a feature of ``absent`` (beyond the checklist's own entries) is installed, an ``error``
    when the features could not be read, else None."""
    extra_absent = [canonical_feature(name) for name in absent if canonical_feature(name) not in _OWN_ENTRIES]
    if not extra_absent:
        return None
    if facts.get('features') is None:
        return _unavailable(entry, facts, 'features')
    states = feature_states(facts)
    # UninstallPending is still installed until the reboot that removes it; InstallPending will be after the next one.
    installed = ['%s (%s)' % (name, states[name]) if states[name] != 'Installed' else name
                 for name in extra_absent if states.get(name) in ('Installed', 'InstallPending', 'UninstallPending')]
    if installed:
        return finding(entry, FAIL, 'feature-policy', 'Windows features installed although the site requires them absent: %s.'
                       % ', '.join(installed), observed={'installed': installed})
    return None


# Ports with their own checklist entry (server.no-web-server-port-80), left out of the port-conflict rule.
_PORTS_WITH_OWN_ENTRY = (('tcp', 80),)
LDAP_PORT, LDAP_FALLBACK_PORT = 389, 390
DOMAIN_CONTROLLER_ROLES = (4, 5)


def _holder(item, facts):
    """Who holds a listener, for a person: process, PID, services; for PID 4 the http.sys reservations on that port."""
    text = '%s (pid %d%s) on %s' % (item.get('process') or 'unknown process', item['pid'],
                                    '; services %s' % ', '.join(item['services']) if item.get('services') else '', item['address'])
    if item['pid'] == 4:
        http = facts.get('http_sys') or {}
        port = ':%d' % item['port']
        urls = [u for u in http.get('url_reservations') or [] if port + '/' in u or u.endswith(port)]
        bindings = [b for b in http.get('ssl_bindings') or [] if b.endswith(port)]
        text += ' = http.sys (kernel HTTP listener: IIS, WinRM, WCF, SSRS ...)'
        if urls or bindings:
            text += '; URL reservations: %s; TLS bindings: %s' % (', '.join(urls) or 'none', ', '.join(bindings) or 'none')
        elif facts.get('http_sys') is None:
            text += ' (reservations unreadable)'
    return text


def _range_text(item):
    return '%s %s %d-%d' % (item['family'], item['proto'].upper(), item['start'], item['end'])


def excluded_port_conflicts(facts, inbound=()):
    """``[(status, reason, detail)]`` for the inbound SafeQ ports inside an excluded port range of Windows.

    A range that is not administered (no ``*`` in netsh) is reserved by the TCP/IP stack for Hyper-V, WinNAT or Docker:
    a program cannot bind a port in it (WSAEACCES), so SafeQ cannot listen there: fail. An administered range (``netsh
    add excludedportrange``) only keeps its ports out of the dynamic range and away from those reservations; a program
    may still bind them explicitly: a warning to confirm it was made for SafeQ."""
    wanted = {(item['proto'], int(item['port'])): item['entries'] for item in inbound}
    results = []
    for (proto, port), entries in sorted(wanted.items()):
        ranges = [r for r in facts.get('excluded_port_ranges') or [] if r['proto'] == proto and r['start'] <= port <= r['end']]
        if not ranges:
            continue
        label = '%s %d (%s)' % (proto.upper(), port, ', '.join(entries))
        dynamic = [r for r in ranges if not r.get('administered')]
        if dynamic:
            results.append((FAIL, 'port-excluded', '%s is inside an excluded port range of Windows (%s): the TCP/IP stack reserved it, '
                            'typically for Hyper-V, WinNAT or Docker (Windows containers, WSL 2), and refuses a program that binds it, so '
                            'SafeQ cannot listen there.' % (label, ', '.join(_range_text(r) for r in dynamic))))
        else:
            results.append((WARN, 'port-excluded-administered', '%s is inside an administered excluded port range (%s, added with netsh '
                            'add excludedportrange): it is kept out of the dynamic range and a program may still bind it; confirm the '
                            'exclusion was made for SafeQ.' % (label, ', '.join(_range_text(r) for r in ranges))))
    return results


def dynamic_range_conflicts(facts, inbound=()):
    """``[(status, reason, detail)]`` for the inbound SafeQ ports inside the dynamic (ephemeral) port range of their
    protocol (any family): Windows hands such a port out to outbound connections, and Hyper-V, WinNAT or Docker reserve
    excluded ranges out of that range at every boot, so a port free today may be taken at the next start: a warning."""
    wanted = {(item['proto'], int(item['port'])): item['entries'] for item in inbound}
    results = []
    for (proto, port), entries in sorted(wanted.items()):
        ranges = [r for r in facts.get('dynamic_port_ranges') or []
                  if r['proto'] == proto and r['start'] <= port <= r['start'] + r['count'] - 1]
        if ranges:
            results.append((WARN, 'port-in-dynamic-range', '%s %d (%s) is inside the dynamic port range of Windows (%s): Windows may '
                            'hand it out to an outbound connection, and Hyper-V, WinNAT or Docker may reserve it at the next boot.'
                            % (proto.upper(), port, ', '.join(entries), ', '.join(
                                '%s %s %d-%d' % (r['family'], proto.upper(), r['start'], r['start'] + r['count'] - 1) for r in ranges))))
    return results


def port_conflicts(facts, inbound=()):
    """``[(status, reason, detail)]`` for the inbound SafeQ ports (``_inbound_ports.inbound``) that something holds or that
    lie in an excluded or the dynamic port range."""
    results = excluded_port_conflicts(facts, inbound) + dynamic_range_conflicts(facts, inbound)
    wanted = {(item['proto'], int(item['port'])): item['entries'] for item in inbound
              if (item['proto'], int(item['port'])) not in _PORTS_WITH_OWN_ENTRY}
    if not wanted:
        return results
    held = {}
    for item in facts['listeners']:
        key = (item.get('proto') or 'tcp', item['port'])
        if key in wanted:
            held.setdefault(key, []).append(item)
    dc = facts.get('domain_role') in DOMAIN_CONTROLLER_ROLES
    for (proto, port), rows in sorted(held.items()):
        holders = '; '.join(_holder(item, facts) for item in rows)
        label = '%s %d (%s) is held by %s' % (proto.upper(), port, ', '.join(wanted[(proto, port)]), holders)
        if (proto, port) == ('tcp', LDAP_PORT) and dc:
            fallback = [item for item in facts['listeners'] if (item.get('proto') or 'tcp', item['port']) == ('tcp', LDAP_FALLBACK_PORT)]
            if fallback:
                results.append((FAIL, 'port-in-use', '%s on a domain controller, and the fallback TCP %d is held too by %s.'
                                % (label, LDAP_FALLBACK_PORT, '; '.join(_holder(item, facts) for item in fallback))))
            else:
                results.append((WARN, 'ldap-port-on-domain-controller', '%s: this node is a domain controller, so the SafeQ '
                                'installer moves its internal LDAP to TCP %d (terminals must then use %d).'
                                % (label, LDAP_FALLBACK_PORT, LDAP_FALLBACK_PORT)))
            continue
        results.append((FAIL, 'port-in-use', label + '.'))
    return results


def no_interfering_software(facts, conflicting=DEFAULT_CONFLICTING_PRINT, databases=DEFAULT_DATABASES, absent=DEFAULT_ABSENT,
                            inbound=(), allowed=()):
    """server.no-interfering-software: no other print solution; no database unless it is meant for SafeQ; no feature of
    the site's ``absent`` list is installed; nothing holds an inbound port SafeQ needs on this node."""
    entry = 'server.no-interfering-software'
    features = _feature_lists(entry, facts, absent)
    if features and features['status'] == ERROR:
        return features
    if facts.get('software') is None:
        return _unavailable(entry, facts, 'software')
    if inbound and [item for item in inbound if (item['proto'], int(item['port'])) not in _PORTS_WITH_OWN_ENTRY] \
            and facts.get('listeners') is None:
        return _unavailable(entry, facts, 'listeners')
    if inbound and facts.get('excluded_port_ranges') is None:
        return _unavailable(entry, facts, 'excluded_port_ranges')
    if inbound and facts.get('dynamic_port_ranges') is None:
        return _unavailable(entry, facts, 'dynamic_port_ranges')
    allowed = tuple(allowed or ())
    installed = {}
    for item in facts['software']:
        installed.setdefault(item['name'], 'per user %s' % item['user_sid'] if item.get('user_sid') else None)
    names = sorted(installed)
    running = {s.get('display_name') or s['name']: s for s in facts.get('services') or []}

    def _found(patterns, service_patterns):
        hits = ['%s%s' % (n, ' (%s)' % installed[n] if installed[n] else '') for n in names if _match(n, patterns) and not _match(n, allowed)]
        hits += ['service "%s" (%s)' % (n, running[n].get('status')) for n in sorted(running)
                 if _match(n, service_patterns) and not _match(n, allowed) and not _match(running[n]['name'], allowed)]
        return hits
    prints = _found(tuple(conflicting), tuple(conflicting))
    dbs = _found(tuple(databases), DEFAULT_DATABASE_SERVICES + tuple(databases))
    problems = []  # (status, reason, detail); the remediation of each reason is in the catalogue
    if prints:
        problems.append((FAIL, 'other-print-solution', 'Other print-management software is installed: %s.' % ', '.join(prints)))
    for status, reason, detail in port_conflicts(facts, inbound):
        problems.append((status, reason, detail))
    if features:
        problems.append((FAIL, features['reason'], features['detail']))
    if dbs:
        problems.append((WARN, 'database-present', 'A database server is installed: %s. It may only stay if it is intended for SafeQ.'
                         % ', '.join(dbs)))
    if not problems:
        ports = (' and no inbound SafeQ port is held or inside an excluded or the dynamic port range') if inbound else ''
        return finding(entry, PASS, 'none-found', 'No other print solution or database server found among %d installed programs%s.'
                       % (len(names), ports))
    worst = FAIL if any(p[0] == FAIL for p in problems) else WARN
    first = next(p for p in problems if p[0] == worst)
    observed = dict(features['observed']) if features else {}
    observed['problems'] = [p[1] for p in problems]
    return finding(entry, worst, first[1], ' '.join(p[2] for p in problems), reasons=list(dict.fromkeys(p[1] for p in problems)),
                   observed=observed)


def no_other_software(facts, allowed=()):
    """server.no-other-software: everything installed is baseline or agreed (safeq_allowed_software)."""
    entry = 'server.no-other-software'
    if facts.get('software') is None:
        return _unavailable(entry, facts, 'software')
    patterns = tuple(DEFAULT_BASELINE) + tuple(allowed)
    extra = sorted({item['name'] for item in facts['software'] if not _match(item['name'], patterns)})
    if extra:
        shown = ', '.join(extra[:15]) + (' and %d more' % (len(extra) - 15) if len(extra) > 15 else '')
        return finding(entry, WARN, 'unlisted-software', '%d installed program(s) are neither Windows baseline nor agreed: %s.' % (len(extra), shown),
                       observed=extra)
    return finding(entry, PASS, 'baseline-only', 'Only baseline or agreed software is installed.')


def evaluate(facts, allowed_software=(), present=DEFAULT_PRESENT, absent=DEFAULT_ABSENT, inbound=(), conflicting_software=(),
             database_software=()):
    """All windows_feature_check findings for one node's facts."""
    present = [canonical_feature(name) for name in present]
    absent = [canonical_feature(name) for name in absent]
    return [
        no_web_server_on_80(facts),
        no_lpd_with_print_server(facts),
        no_interfering_software(facts, DEFAULT_CONFLICTING_PRINT + tuple(conflicting_software), DEFAULT_DATABASES + tuple(database_software),
                                absent=absent, inbound=inbound, allowed=allowed_software),
        no_other_software(facts, allowed_software),
        required_features(facts, present),
    ]
