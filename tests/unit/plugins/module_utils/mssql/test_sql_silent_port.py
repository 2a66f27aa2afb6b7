# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The instance port accepts the PRELOGIN and never answers, or closes at once: POSIX and Windows node paths alike.

Ground truth: a loopback TCP server started here that accepts and holds the connection without reading or writing (a
SYN proxy, a load balancer with a dead backend, a hung service), and one that reads the PRELOGIN and closes (what a
strict TDS 8.0 server does with a cleartext PRELOGIN). The Browser's answer is written here and names that port.
"""

from __future__ import annotations

import base64
import os
import socket
import threading

import pytest

from ansible_collections.safeq.preflight.plugins.module_utils.mssql import _sql_probe, _ssrp
from tests.lab.sim_responders import win_port_probe

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', '..'))


class _Server:
    """A loopback TCP server: ``hold`` keeps each connection open and silent, ``close`` reads the PRELOGIN and closes."""

    def __init__(self, behaviour):
        self.sock = socket.socket()
        self.sock.bind(('127.0.0.1', 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.held = []
        self.behaviour = behaviour
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, dummy = self.sock.accept()
            except OSError:
                return
            if self.behaviour == 'hold':
                self.held.append(conn)
                continue
            conn.recv(4096)
            conn.close()

    def close(self):
        for conn in self.held:
            conn.close()
        self.sock.close()


@pytest.fixture(params=['hold', 'close'])
def server(request):
    srv = _Server(request.param)
    yield srv
    srv.close()


EXPECTED = {'hold': ('fail', 'no-prelogin-reply'), 'close': ('warn', 'possibly-strict-tds8')}


def _browser_answer(port):
    return _ssrp.build_response([['ServerName', 'SQL01', 'InstanceName', 'SAFEQ', 'IsClustered', 'No', 'Version', '15.0.2000.5',
                                  'tcp', str(port)]])


def test_posix_exchange_tells_silence_from_a_prompt_close(server):
    def exchange(specs):
        # the Browser is scripted (its answer names the server's port); the TDS exchange runs for real on loopback
        return [{'id': s['id'], 'outcome': 'response', 'socket_error': None, 'rtt_ms': 1.0, 'response': _browser_answer(server.port),
                 'remote': '127.0.0.1:1434', 'message': '', 'read_end': None} if s['proto'] == 'udp' else _sql_probe.posix_exchange([s])[0]
                for s in specs]

    obs = _sql_probe.run_probe(exchange, '127.0.0.1', 'SAFEQ', timeout=0.5)
    assert obs['tds']['outcome'] == 'connected' and obs['tds']['response'] == b''
    assert obs['tds']['read_end'] == {'hold': 'timeout', 'close': 'closed'}[server.behaviour]
    tcp = _sql_probe.evaluate(obs)[1]
    assert (tcp['status'], tcp['reason']) == EXPECTED[server.behaviour]
    assert 'TCP %d' % server.port in tcp['detail']


def test_the_windows_node_path_classifies_the_same(server):
    """The simulated win_port_probe (live) reports the read as .NET does; from_node replays it into the same verdict."""
    answer = base64.b64encode(_browser_answer(server.port)).decode('ascii')
    profile = {'live': True, '127.0.0.1:1434/udp': {'outcome': 'response', 'response': answer, 'address': '127.0.0.1'}}
    params = _sql_probe.node_probes('127.0.0.1', 'SAFEQ', 0.5)
    results = win_port_probe.respond(profile, params)['results']
    tds = [item for item in results if item['id'] == 'tds'][0]
    assert (tds['outcome'], tds['port'], tds['response']) == ('connected', server.port, '')
    assert (tds['read_end'], tds['read_error']) == {'hold': ('error', 10060), 'close': ('closed', None)}[server.behaviour]
    obs = _sql_probe.run_probe(_sql_probe.node_exchange(params['probes'], results), '127.0.0.1', 'SAFEQ', 0.5)
    tcp = _sql_probe.evaluate(obs)[1]
    assert (tcp['status'], tcp['reason']) == EXPECTED[server.behaviour]


def test_the_node_module_reports_how_the_tds_read_ended():
    """The .ps1 cannot run here (no pwsh): it must record what the simulation above mirrors, by WinSock code, never by message."""
    with open(os.path.join(REPO, 'plugins', 'modules', 'win_port_probe.ps1'), encoding='utf-8') as handle:
        source = handle.read()
    for end in ("$Result.read_end = 'timeout'", "$Result.read_end = 'closed'", "$Result.read_end = 'complete'",
                "$Job.result.read_end = 'error'", '$Job.result.read_error = [int]$inner.ErrorCode'):
        assert end in source
