# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""port_check targets derived from the catalogue's port tables and the site's peers (pure). PRIVATE to this collection.

Each port-table row names its flow (``direction``: from which peers to which) and its ports. A node of a
given server role probes every row that applies to the site (its features) and starts at that role,
towards every address the site gives for the destination peer. A flow to a device the site already runs
(``EXISTING_PEERS``: printers, LDAP, SMTP, database) expects ``open``: its own service must answer
(``expect_of``). Other derived targets expect ``reachable``: the rows are about what firewalls let through.
Before SafeQ is installed nothing listens on the nodes,
so a target is marked ``listener`` when the temporary listener on its address reported that very port listening before
the probes (``listening``, per port: ``listener_of``) and
``resets`` when its peer name or address is known to answer resets (``resets``); without either, a
refusal or silence proves nothing and the row ends ``manual`` (Windows Firewall drops instead of
resetting). ``inbound_ports`` lists the ports a node's temporary listener must open.
"""

from __future__ import annotations

import copy

from ansible_collections.safeq.preflight.plugins.plugin_utils import _catalogue

# Probes that make a silent UDP port answer, by (protocol, port).
PROBES = {('udp', 161): 'snmp', ('udp', 1434): 'ssrp', ('udp', 37): 'time', ('tcp', 37): 'time'}


class DeriveError(ValueError):
    """Bad input, with a message that names the parameter and the value."""


def peer_problems(peers, catalogue=None):
    """What is wrong with a peers mapping (empty when nothing): each message names the key and the value."""
    catalogue = catalogue or _catalogue.load()
    if not isinstance(peers, dict):
        return ['must be a mapping of peer name to a list of addresses, got %r' % (peers,)]
    problems = ['unknown peer name %r (known: %s)' % (name, ', '.join(catalogue.peers)) for name in sorted(set(peers) - set(catalogue.peers))]
    for name, addresses in peers.items():
        if isinstance(addresses, str) or not isinstance(addresses, (list, tuple)) or not all(isinstance(a, str) and a for a in addresses):
            problems.append('%s must be a list of host names or addresses, got %r' % (name, addresses))
    return problems


def _check(peers, features, catalogue):
    problems = peer_problems(peers, catalogue)
    if problems:
        raise DeriveError('peers: %s' % '; '.join(problems))
    unknown = _catalogue.unknown_features(features, catalogue)
    if unknown:
        raise DeriveError('features: unknown feature(s) %s' % ', '.join(map(repr, unknown)))


MAX_RANGE = 32  # a port range of a row is probed port by port up to this size ('above 1023' is not)


def ports_of(entry):
    """The ports of a row as a list, a small range expanded; None for a word (``dynamic``) or a large range."""
    ports = entry.get('ports')
    if isinstance(ports, list):
        return ports
    if isinstance(ports, dict) and isinstance(ports.get('from'), int) and isinstance(ports.get('to'), int) \
            and 0 <= ports['to'] - ports['from'] < MAX_RANGE:
        return list(range(ports['from'], ports['to'] + 1))
    return None


# The passive FTP row's ports are SafeQ's configuration parameter ftpPassivePorts ("above 1023" in the checklist): a site that
# declares its configured range (safeq_ftp_passive_ports) gets it probed port by port, every port with a temporary listener.
FTP_PASSIVE = 'net.printer-in.tcp-above-1023-passive-ftp'
MAX_SITE_RANGE = 64


def ftp_passive_problems(value):
    """What is wrong with ``safeq_ftp_passive_ports`` (empty when nothing; ``None`` or ``{}`` is not declared)."""
    if value is None or value == {}:
        return []
    ports = [value.get(key) for key in ('from', 'to')] if isinstance(value, dict) else [None]
    if not isinstance(value, dict) or set(value) != {'from', 'to'} or not all(isinstance(port, int) and not isinstance(port, bool) for port in ports):
        return ['must be a mapping {from: PORT, to: PORT} (SafeQ\'s ftpPassivePorts range), got %r' % (value,)]
    if not 1024 <= value['from'] <= value['to'] <= 65535:
        return ['from and to must be ports 1024-65535 with from <= to (the passive range is above 1023), got %r' % (value,)]
    if value['to'] - value['from'] + 1 > MAX_SITE_RANGE:
        return ['a range of %d ports: every port of it is probed with a temporary listener, at most %d; leave it unset for a larger '
                'range (the row then stays not checked: a sample would prove nothing about the other ports)'
                % (value['to'] - value['from'] + 1, MAX_SITE_RANGE)]
    return []


def with_site_ports(catalogue, ftp_passive_ports=None):
    """The catalogue with the passive FTP row's ports set to the site's declared range (``safeq_ftp_passive_ports``), or the
    catalogue itself when none is declared. Raises DeriveError for a bad range."""
    if ftp_passive_ports is None or ftp_passive_ports == {}:
        return catalogue
    problems = ftp_passive_problems(ftp_passive_ports)
    if problems:
        raise DeriveError('ftp_passive_ports: %s' % '; '.join(problems))
    site = copy.copy(catalogue)
    ports = list(range(ftp_passive_ports['from'], ftp_passive_ports['to'] + 1))
    site.entries = [dict(entry, ports=ports) if entry['id'] == FTP_PASSIVE else entry for entry in catalogue.entries]
    site._by_id = {entry['id']: entry for entry in site.entries}  # pylint: disable=protected-access
    return site


def _probeable(entry):
    return entry.get('implemented_by') == 'port_check' and entry['protocol'] in ('tcp', 'udp') and ports_of(entry) is not None


READY = 'ready'


def _owners(nodes):
    """Every name and address of the run's nodes (lower case) to its inventory host (``nodes``: host to its addresses)."""
    owners = {}
    for host, names in (nodes or {}).items():
        for name in [host] + [item for item in names or () if item]:
            owners.setdefault(str(name).lower(), host)
    return owners


def _listed(peers, roles):
    """Every address ``safeq_peers`` lists under one of ``roles`` (lower case) to that role."""
    listed = {}
    for role in roles:
        addresses = (peers or {}).get(role) if isinstance(peers, dict) else None
        for address in addresses if isinstance(addresses, (list, tuple)) else ():
            listed.setdefault(str(address).lower(), role)
    return listed


def resets_problems(resets, nodes=None, peers=None):
    """What is wrong with ``safeq_peers_answer_resets`` (empty when nothing). ``nodes``: inventory host to its names/addresses;
    ``peers``: the host's ``safeq_peers`` (an address listed there for ``cml``, ``ors`` or ``crs`` is a SafeQ server too).

    A SafeQ server (a CML node, ORS, CRS) runs Windows, and Windows Firewall in its default stealth mode never answers a
    port without a listener with a reset or ICMP port unreachable: a reset "from" it comes from a device between, so
    taking it as proof of the path would be a false pass. Server roles, the nodes' own names and addresses, and every address
    ``safeq_peers`` gives for a server role are refused; the flows to them are proved with the temporary listeners instead."""
    if not isinstance(resets, (list, tuple)):
        return []
    owners = _owners(nodes)
    servers = _listed(peers, _catalogue.SERVER_ROLES)
    problems = []
    for item in resets:
        text = str(item).lower()
        if text in _catalogue.SERVER_ROLES:
            problems.append("'%s' is a SafeQ server role: a Windows SafeQ server with its firewall on never answers with a reset "
                            '(stealth mode), so a reset from there comes from a device between and proves nothing; remove it (the '
                            'flows to SafeQ servers are proved with their temporary listeners)' % item)
        elif text in owners:
            problems.append("'%s' is SafeQ node %s: a Windows SafeQ server with its firewall on never answers with a reset (stealth "
                            'mode); remove it (its flows are proved with its temporary listener)' % (item, owners[text]))
        elif text in servers:
            problems.append("'%s' is listed under safeq_peers.%s, a SafeQ server: a Windows SafeQ server with its firewall on never "
                            'answers with a reset (stealth mode), so a reset from there comes from a device between and proves nothing; '
                            'remove it (a SafeQ server outside the run is proved by adding it to the inventory, with its temporary '
                            'listener)' % (item, servers[text]))
    return problems


RUNNING_ROLES = ('ors', 'crs')


def running_problems(running, nodes=None, peers=None, roles=None):
    """What is wrong with ``safeq_peers_running`` (empty when nothing): ORS or CRS servers whose SafeQ service is already
    installed and running (a site adding CML nodes to them). Each item is ``ors``, ``crs`` or an address ``safeq_peers`` lists
    under one of them; the nodes of the run are refused (they are being installed: their flows are proved with their temporary
    listeners). ``nodes``: inventory host to its names/addresses; ``roles``: inventory host to its ``safeq_server_role``.
    The keyword ``ors``/``crs`` declares every server of that kind running, so it is refused when a node of the run has that
    role or is listed in ``safeq_peers`` under that kind (the flows to it would need an answering service it does not have)."""
    if running is None:
        return []
    if isinstance(running, str) or not isinstance(running, (list, tuple)):
        return ['must be a list of ors, crs or their addresses in safeq_peers, got %r' % (running,)]
    owners = _owners(nodes)
    listed = _listed(peers, RUNNING_ROLES)
    problems = []
    for item in running:
        text = str(item).lower()
        if text in owners:
            problems.append("'%s' is SafeQ node %s of this run: it is being installed, nothing of SafeQ runs there yet (its flows are "
                            'proved with its temporary listener)' % (item, owners[text]))
        elif text in RUNNING_ROLES and _run_nodes_of(text, owners, listed, roles):
            problems.append("'%s' declares every %s running, but %s of this run %s being installed, nothing of SafeQ runs there "
                            'yet; list only the running %s servers by their addresses in safeq_peers.%s and safeq_peers_running'
                            % (item, text.upper(), ', '.join(_run_nodes_of(text, owners, listed, roles)),
                               'is' if len(_run_nodes_of(text, owners, listed, roles)) == 1 else 'are', text.upper(), text))
        elif text not in RUNNING_ROLES and text not in listed:
            problems.append("'%s' is neither ors, crs nor an address safeq_peers lists under ors or crs: only an ORS or CRS whose SafeQ "
                            'service already runs can be declared running' % (item,))
    return problems


def _run_nodes_of(kind, owners, listed, roles):
    """The nodes of the run (sorted, each named once) that are a ``kind`` server: by their role or by an address
    ``safeq_peers`` lists under ``kind``."""
    found = {host for host, role in (roles or {}).items() if str(role).lower() == kind}
    found |= {owners[address] for address, role in listed.items() if role == kind and address in owners}
    return ['node %s' % host for host in sorted(found)]


def is_running(running, peer, host):
    """Whether the flow to ``host`` (a ``peer``) goes to an ORS or CRS declared running (``safeq_peers_running``): its SafeQ
    service must then answer (``expect: open``), so silence or a reset is a fail and an answer a pass, without any listener."""
    running = {str(item).lower() for item in running or ()}
    return peer in RUNNING_ROLES and (peer in running or str(host).lower() in running)


# Peers the site runs before SafeQ is installed: the printers (MFPs), the LDAP, SMTP and database servers. SafeQ talks to their own
# services, so those must answer now: a flow to them expects ``open`` (a reset, ICMP port unreachable or silence is a fail: the
# service is off, SNMP disabled on the MFP, raw 9100 or LPR switched off). Peers that SafeQ installs (its servers, Terminal
# Professional, the payment system, etcd, ...) are judged ``reachable``.
EXISTING_PEERS = ('printer', 'ldap', 'smtp', 'db')
# Rows to an existing peer whose service SafeQ installs on it, or where part of the ports may be: judged ``reachable``.
# Terminal Professional / UltraLight are Y Soft terminals installed with SafeQ; the embedded terminal's remote configuration
# (50001/50003 for KM, Xerox, Sharp) answers once SafeQ's terminal is installed on the MFP; the Ricoh row's 64098 may be the
# embedded terminal's own port. Every other row to a printer is the MFP's own service or the vendor platform that installs
# the embedded terminal (raw 9100, LPR, IPP, SNMP, HP OXPd 7627, Toshiba, Xerox, KM, Sharp and Samsung web services).
INSTALLED_BY_SAFEQ = ('net.to-printer.tcp-9100-terminal-pro', 'net.to-printer.udp-64099', 'net.to-printer.tcp-4095',
                      'net.to-printer.tcp-50001-50003', 'net.to-printer.tcp-80-443-8080-51443-64098-ricoh')


def expect_of(peer, entry_id):
    """``open`` for a flow to the existing device's own service (``EXISTING_PEERS`` but ``INSTALLED_BY_SAFEQ``), else
    ``reachable``."""
    return 'open' if peer in EXISTING_PEERS and entry_id not in INSTALLED_BY_SAFEQ else 'reachable'


def listening_problems(listening):
    """What is wrong with a ``listening`` mapping (empty when nothing): each message names the value."""
    if not isinstance(listening, dict):
        return ["must be a mapping of node address to {'PROTO/PORT': 'ready' or why not}, got %r" % (listening,)]
    return ['%s must be a mapping of PROTO/PORT to a state, got %r' % (host, ports) for host, ports in listening.items()
            if not isinstance(ports, dict)]


def by_host(listening):
    """``listening`` keyed by lower-case address, built once per plan: ``listener_of`` looks a host up in it for every flow."""
    return {str(key).lower(): value for key, value in (listening or {}).items()}


def listener_of(listening, host, proto, port):
    """``(listener, why not)`` for one port of one host. ``listening`` (as ``by_host`` returns it) maps a node address to
    ``{'tcp/6020': state}``: only ``ready`` (the node's listener process reported the port listening before any probe) is a
    listener; any other state (``conflict``, ``error``, ``not-ready``, with its detail) says why there
    is none. A host not in the mapping runs no listener (``None``: nothing to say)."""
    ports = listening.get(str(host).lower())
    if ports is None:
        return False, None
    state = ports.get('%s/%d' % (proto, int(port)))
    if state == READY:
        return True, None
    return False, state or 'not-requested: the temporary listener was not asked to open this port'


def known_resets(resets):
    """The peers and addresses known to answer resets; server roles never (see ``resets_problems``)."""
    return {str(item).lower() for item in resets or ()} - set(_catalogue.SERVER_ROLES)


def _flags(resets, listening, running=()):
    resets = known_resets(resets)
    problems = listening_problems(listening or {})
    if problems:
        raise DeriveError('listening: %s' % '; '.join(problems))
    listening = by_host(listening)

    def flags(peer, host, proto, port):
        if is_running(running, peer, host):  # an ORS/CRS already installed and running: its service must answer
            return {'expect': 'open', 'listener': False, 'listener_missing': None, 'resets': False}
        listener, missing = listener_of(listening, host, proto, port)
        # a SafeQ server never counts as answering resets, whatever address stands for it (preflight_validate refuses it too)
        return {'listener': listener, 'listener_missing': missing,
                'resets': peer not in _catalogue.SERVER_ROLES and (peer in resets or host.lower() in resets)}
    return flags


def derive(peers, features=(), server_role='cml', exclude=(), catalogue=None, resets=(), listening=None, listeners=True, running=()):
    """The port_check targets of a ``server_role`` node. Rows with a port range or word, multicast rows and rows whose
    destination has no address are left out (the report shows them as not checked). With ``listeners`` false, flows to
    another SafeQ node that is not known to answer resets are left out too (``_port_matrix`` reports them as skip).
    ``running``: the ORS/CRS declared running (``is_running``): flows to them expect their service to answer."""
    catalogue = catalogue or _catalogue.load()
    features = list(features or ())
    _check(peers, features, catalogue)
    if server_role not in _catalogue.SERVER_ROLES:
        raise DeriveError('server_role must be one of %s, got %r' % (', '.join(_catalogue.SERVER_ROLES), server_role))
    skip = set(exclude or ())
    flags = _flags(resets, listening, running)
    targets = []
    for entry in catalogue.entries:
        direction = entry.get('direction') or {}
        if not _probeable(entry) or entry.get('localhost_only') or server_role not in direction.get('from', ()):
            continue
        if not _catalogue.applicability(entry, features, server_role)[0]:
            continue
        hosts = [(peer, host) for peer in direction['to'] for host in peers.get(peer) or () if host not in skip]
        for peer, host in dict.fromkeys(hosts):
            known = [flags(peer, host, entry['protocol'], port) for port in ports_of(entry)]
            proved = any(item['resets'] or item['listener'] or item.get('expect') == 'open' for item in known)
            if not listeners and peer in _catalogue.SERVER_ROLES and not proved:
                continue
            for port, flag in zip(ports_of(entry), known):
                targets.append(dict({'host': host, 'port': port, 'proto': entry['protocol'], 'entry': entry['id'],
                                     'expect': expect_of(peer, entry['id']), 'probe': PROBES.get((entry['protocol'], port), 'none')}, **flag))
    return targets


LEAST_PRIVILEGE_PROBERS = ('workstation', 'printer')


def inbound_ports(features=(), server_role='cml', catalogue=None, sources=None):
    """``[{port, proto}]`` a ``server_role`` node's temporary listener opens: every applicable row whose flow ends at that role,
    including the rows kept local (least privilege is tested against a listener too). With ``sources`` (the peer kinds that
    will probe: other nodes, declared vantage points), only the rows one of them probes."""
    catalogue = catalogue or _catalogue.load()
    features = list(features or ())
    unknown = _catalogue.unknown_features(features, catalogue)
    if unknown:
        raise DeriveError('features: unknown feature(s) %s' % ', '.join(map(repr, unknown)))
    ports = {}
    for entry in catalogue.entries:
        direction = entry.get('direction') or {}
        if not _probeable(entry) or server_role not in direction.get('to', ()):
            continue
        if not _catalogue.applicability(entry, features, server_role)[0]:
            continue
        if sources is not None:
            local = entry.get('localhost_only') or 'localhost' in direction.get('from', ()) or entry['id'].startswith('net.inter-server.tcp-2022')
            if not set(direction.get('from', ())) & set(sources) and not (local and set(sources) & set(LEAST_PRIVILEGE_PROBERS)):
                continue
        for port in ports_of(entry):
            ports[(entry['protocol'], port)] = True
    return [{'proto': proto, 'port': port} for proto, port in sorted(ports)]
