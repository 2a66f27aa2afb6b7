# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""win_port_probe's port_from (in the simulated module, which must behave as the node does) and the POSIX TDS read's deadline.

Ground truth: canned SQL Browser answers and patterns written here (a port in range, a group that is not a number, a port out
of range, a pattern without a group, a pattern that does not compile), and a loopback server started here that trickles one
byte at a time of a TDS packet whose header announces 4096 bytes.
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
ANSWER = base64.b64encode(_ssrp.build_response([['ServerName', 'SQL01', 'InstanceName', 'SAFEQ', 'IsClustered', 'No', 'Version',
                                                 '15.0.2000.5', 'tcp', '49703']])).decode('ascii')


def _run(pattern):
    profile = {'db:1434/udp': {'outcome': 'response', 'response': ANSWER}, 'db:49703/tcp': {'outcome': 'connected'},
               'db:1433/tcp': {'outcome': 'connected'}}
    params = {'timeout_ms': 500, 'retries': 0, 'deadline_ms': 5000, 'probes': [
        {'id': 'browser', 'proto': 'udp', 'host': 'db', 'port': 1434, 'payload': 'Aw=='},
        {'id': 'other', 'proto': 'tcp', 'host': 'db', 'port': 1433, 'payload': ''},
        {'id': 'tds', 'proto': 'tcp', 'host': 'db', 'framing': 'tds', 'payload': '', 'port_from': {'probes': ['browser'], 'pattern': pattern}}]}
    return {item['id']: item for item in win_port_probe.respond(profile, params)['results']}


@pytest.mark.parametrize('pattern, port, message', [
    (_sql_probe.port_pattern('safeq'), 49703, None),
    (r';(InstanceName);', None, 'group 1 of the pattern is not a port 1-65535'),  # a group that is not a number
    (r'Version;([0-9.]+);', None, 'group 1 of the pattern is not a port 1-65535'),  # digits and dots
    (r'tcp;(4)(9703)', None, None),  # a group that is a port: 4
    (r'tcp;[0-9]+', None, 'group 1 of the pattern is not a port 1-65535'),  # no group at all (was port 0)
    (r'tcp;([0-9]+)0', None, None),  # 4970: a valid port
    (r'tcp;([0-9]+)(?=;)', 49703, None),
    (r'Version;15\.([0-9]+)', None, 'group 1 of the pattern is not a port 1-65535'),  # 0 is no port
    (r'tcp;(', None, 'the pattern is not a valid regular expression'),
    (r'NoSuchText;([0-9]+)', None, 'no answer of browser matched the pattern'),
])
def test_a_port_from_pattern_that_finds_no_port_leaves_that_probe_not_run_and_the_others_intact(pattern, port, message):
    results = _run(pattern)
    assert results['other']['outcome'] == 'connected' and results['browser']['outcome'] == 'response'
    if message:
        assert (results['tds']['outcome'], results['tds']['port']) == ('not-run', None)
        assert message in results['tds']['message']
    elif port:
        assert results['tds']['port'] == port and results['tds']['outcome'] != 'not-run'
    else:
        assert results['tds']['outcome'] != 'not-run' and 1 <= results['tds']['port'] <= 65535


def test_the_node_module_parses_the_port_without_a_culture_and_with_a_match_timeout():
    """The .ps1 cannot run here (no pwsh): its port_from must use what the simulation above mirrors."""
    with open(os.path.join(REPO, 'plugins', 'modules', 'win_port_probe.ps1'), encoding='utf-8') as handle:
        source = handle.read()
    assert '[regex]::new([string]$From.pattern, $options, [TimeSpan]::FromSeconds(1))' in source
    assert 'RegexOptions]::CultureInvariant' in source and '[int]::TryParse($group.Value' in source
    assert '$port -lt 1 -or $port -gt 65535' in source and '[int]$match' not in source
    assert '$Stream.ReadTimeout = $left' in source and 'Diagnostics.Stopwatch]::StartNew()' in source


def test_the_posix_tds_read_stops_at_one_deadline_when_the_server_trickles():
    """The server sends a TDS header announcing 4096 bytes, then one byte every 20 ms, 400 bytes in all (8 s). With the read
    bounded by one 0.3-second deadline the exchange returns long before the server is done; a per-recv timeout read them all."""
    server = socket.socket()
    server.bind(('127.0.0.1', 0))
    server.listen(1)
    sent = []

    def trickle():
        conn, dummy = server.accept()
        try:
            conn.recv(4096)
            conn.sendall(b'\x04\x01\x10\x00\x00\x00\x01\x00')
            for dummy2 in range(400):
                conn.sendall(b'x')
                sent.append(1)
                threading.Event().wait(0.02)
        except OSError:
            pass
        finally:
            conn.close()

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    try:
        spec = {'id': 'tds', 'proto': 'tcp', 'host': '127.0.0.1', 'port': server.getsockname()[1], 'payload': b'\x12\x01\x00\x08\x00\x00\x00\x00',
                'timeout': 0.3, 'max_bytes': 8192}
        outcome = _sql_probe.posix_exchange([spec])[0]
    finally:
        server.close()
    assert outcome['outcome'] == 'connected' and outcome['response'].startswith(b'\x04\x01\x10\x00')
    assert len(outcome['response']) < 8 + 200, 'the read went on with the trickle instead of stopping at its deadline'
    thread.join(timeout=15)
