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
