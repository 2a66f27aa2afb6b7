# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Two network namespaces joined by a veth pair, with nftables rules: firewall ground truth for tests.

Only addresses the test chooses (198.18.0.0/15, never the host's own subnet) inside namespaces the
test creates are used; ``close()`` deletes the namespaces (and with them the veth pair and the rules).
"""

from __future__ import annotations

import shutil
import subprocess


def _run(*args, check=True):
    return subprocess.run(list(args), capture_output=True, text=True, check=check, timeout=30)


class NamespacePair:
    """Namespaces ``<prefix>-a`` (client, ``.1``) and ``<prefix>-b`` (server, ``.2``) on ``<net>.0/24``."""

    def __init__(self, prefix, net):
        if shutil.which('ip') is None or shutil.which('nft') is None:
            raise RuntimeError('ip (iproute2) and nft (nftables) are required: make system-deps installs them')
        self.a, self.b = prefix + '-a', prefix + '-b'
        self.addr_a, self.addr_b = net + '.1', net + '.2'
        self.close()
        _run('ip', 'netns', 'add', self.a)
        _run('ip', 'netns', 'add', self.b)
        try:
            _run('ip', 'link', 'add', prefix + '-va', 'netns', self.a, 'type', 'veth', 'peer', 'name', prefix + '-vb', 'netns', self.b)
            for ns, dev, addr in ((self.a, prefix + '-va', self.addr_a), (self.b, prefix + '-vb', self.addr_b)):
                _run('ip', '-n', ns, 'addr', 'add', addr + '/24', 'dev', dev)
                _run('ip', '-n', ns, 'link', 'set', dev, 'up')
                _run('ip', '-n', ns, 'link', 'set', 'lo', 'up')
            _run('ip', 'netns', 'exec', self.b, 'nft', 'add table inet lab; add chain inet lab input { type filter hook input priority 0; }')
        except Exception:
            self.close()
            raise

    def rule(self, text):
        """Add an nftables rule to the server's input chain, e.g. ``udp dport 1434 drop``."""
        _run('ip', 'netns', 'exec', self.b, 'nft', 'add rule inet lab input ' + text)

    def flush(self):
        _run('ip', 'netns', 'exec', self.b, 'nft', 'flush chain inet lab input')

    def popen(self, side, args, **kwargs):
        """Start a process inside namespace ``a`` or ``b``."""
        return subprocess.Popen(['ip', 'netns', 'exec', self.a if side == 'a' else self.b] + list(args), **kwargs)

    def run(self, side, args, timeout=60):
        return subprocess.run(['ip', 'netns', 'exec', self.a if side == 'a' else self.b] + list(args), capture_output=True, text=True,
                              timeout=timeout, check=False)

    def close(self):
        for ns in (self.a, self.b):
            _run('ip', 'netns', 'del', ns, check=False)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class NamespaceStar:
    """A server namespace ``<prefix>-srv`` joined to one namespace per peer network (a vantage point), each link on its own
    ``<base>.<n>.0/24``: the vantage is ``.1``, the server ``.2`` on that network. ``windows_firewall`` installs nftables rules
    that behave like Windows Firewall with stealth mode: the input policy drops, listed ports are allowed, blocked ports are
    dropped for the given source networks, and no TCP reset or ICMP unreachable leaves the host (so a port without a listener is
    silent even where a rule allows it). Loopback is exempt, as on Windows."""

    def __init__(self, prefix, base, third_octets, names):
        if shutil.which('ip') is None or shutil.which('nft') is None:
            raise RuntimeError('ip (iproute2) and nft (nftables) are required: make system-deps installs them')
        self.prefix = prefix
        self.server = prefix + '-srv'
        self.vantages = {}
        self.close(names)
        _run('ip', 'netns', 'add', self.server)
        _run('ip', '-n', self.server, 'link', 'set', 'lo', 'up')
        try:
            for index, (name, octet) in enumerate(zip(names, third_octets)):
                ns, net = '%s-%s' % (prefix, name), '%s.%d' % (base, octet)
                _run('ip', 'netns', 'add', ns)
                _run('ip', 'link', 'add', '%s-v%d' % (prefix, index), 'netns', ns, 'type', 'veth', 'peer', 'name', '%s-s%d' % (prefix, index),
                     'netns', self.server)
                for side, dev, addr in ((ns, '%s-v%d' % (prefix, index), net + '.1'), (self.server, '%s-s%d' % (prefix, index), net + '.2')):
                    _run('ip', '-n', side, 'addr', 'add', addr + '/24', 'dev', dev)
                    _run('ip', '-n', side, 'link', 'set', dev, 'up')
                _run('ip', '-n', ns, 'link', 'set', 'lo', 'up')
                self.vantages[name] = {'ns': ns, 'address': net + '.1', 'server': net + '.2', 'network': net + '.0/24'}
        except Exception:
            self.close(names)
            raise

    def windows_firewall(self, allowed_tcp=(), allowed_udp=(), blocked=()):
        """``blocked``: ``(network, proto, port)`` dropped from that source network."""
        rules = ['add table inet winfw', 'add chain inet winfw input { type filter hook input priority 0; policy drop; }',
                 'add chain inet winfw output { type filter hook output priority 0; policy accept; }',
                 'add rule inet winfw input iif lo accept', 'add rule inet winfw output oif lo accept',
                 'add rule inet winfw input ct state established,related accept']
        rules += ['add rule inet winfw input ip saddr %s %s dport %d drop' % item for item in blocked]
        rules += ['add rule inet winfw input tcp dport %d accept' % port for port in allowed_tcp]
        rules += ['add rule inet winfw input udp dport %d accept' % port for port in allowed_udp]
        # stealth mode: no reset or ICMP unreachable leaves for a port nobody listens on (the listeners close with FIN)
        rules += ['add rule inet winfw output tcp flags & (rst) == rst drop',
                  'add rule inet winfw output icmp type destination-unreachable drop']
        _run('ip', 'netns', 'exec', self.server, 'nft', '; '.join(rules))

    def middlebox_reset(self, vantage, port):
        """A device between the vantage and the server answers TCP ``port`` with a reset for the server (in the vantage's
        namespace, before the packet leaves)."""
        info = self.vantages[vantage]
        _run('ip', 'netns', 'exec', info['ns'], 'nft', 'add table inet mbox; add chain inet mbox output { type filter hook output priority 0; }; '
             'add rule inet mbox output ip daddr %s tcp dport %d reject with tcp reset' % (info['server'], port))

    def popen(self, ns, args, **kwargs):
        return subprocess.Popen(['ip', 'netns', 'exec', ns] + list(args), **kwargs)

    def run(self, ns, args, timeout=120):
        return subprocess.run(['ip', 'netns', 'exec', ns] + list(args), capture_output=True, text=True, timeout=timeout, check=False)

    def close(self, names=None):
        for name in list(names or self.vantages):
            _run('ip', 'netns', 'del', '%s-%s' % (self.prefix, name), check=False)
        _run('ip', 'netns', 'del', self.server, check=False)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class NamespaceChain:
    """A prober ``<prefix>-p`` (``<base>.<n1>.1``), a forwarding router ``<prefix>-r`` and a peer ``<prefix>-d``
    (``<base>.<n2>.2``): the router stands for a firewall between; ``forward`` adds an nftables rule to its forward chain, e.g.
    ``tcp dport 7203 reject with tcp reset`` (iptables REJECT --reject-with tcp-reset in FORWARD: the reset carries the
    peer's address). The peer has no firewall: a Linux host that answers a closed port with a reset."""

    def __init__(self, prefix, base, octets):
        if shutil.which('ip') is None or shutil.which('nft') is None:
            raise RuntimeError('ip (iproute2) and nft (nftables) are required: make system-deps installs them')
        self.prober, self.router, self.peer = prefix + '-p', prefix + '-r', prefix + '-d'
        near, far = '%s.%d' % (base, octets[0]), '%s.%d' % (base, octets[1])
        self.prober_address, self.peer_address = near + '.1', far + '.2'
        self.close()
        for ns in (self.prober, self.router, self.peer):
            _run('ip', 'netns', 'add', ns)
            _run('ip', '-n', ns, 'link', 'set', 'lo', 'up')
        try:
            for index, (ns, net, mine) in enumerate(((self.prober, near, '.1'), (self.peer, far, '.2'))):
                outer, inner = '%s-x%d' % (prefix, index), '%s-y%d' % (prefix, index)
                _run('ip', 'link', 'add', outer, 'netns', ns, 'type', 'veth', 'peer', 'name', inner, 'netns', self.router)
                for side, dev, addr in ((ns, outer, net + mine), (self.router, inner, net + ('.2' if mine == '.1' else '.1'))):
                    _run('ip', '-n', side, 'addr', 'add', addr + '/24', 'dev', dev)
                    _run('ip', '-n', side, 'link', 'set', dev, 'up')
                _run('ip', '-n', ns, 'route', 'add', 'default', 'via', net + ('.2' if mine == '.1' else '.1'))
            _run('ip', 'netns', 'exec', self.router, 'sysctl', '-qw', 'net.ipv4.ip_forward=1')
            _run('ip', 'netns', 'exec', self.router, 'nft', 'add table inet fw; add chain inet fw forward { type filter hook forward priority 0; }')
        except Exception:
            self.close()
            raise

    def forward(self, text):
        """Add an nftables rule to the router's forward chain."""
        _run('ip', 'netns', 'exec', self.router, 'nft', 'add rule inet fw forward ' + text)

    def popen(self, ns, args, **kwargs):
        return subprocess.Popen(['ip', 'netns', 'exec', ns] + list(args), **kwargs)

    def run(self, ns, args, timeout=120):
        return subprocess.run(['ip', 'netns', 'exec', ns] + list(args), capture_output=True, text=True, timeout=timeout, check=False)

    def close(self):
        for ns in (self.prober, self.router, self.peer):
            _run('ip', 'netns', 'del', ns, check=False)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
