# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A SIMULATION of a SQL Server host: SQL Server Browser (MC-SQLR, UDP 1434) and TDS PRELOGIN listeners.

Built from the specs (MC-SQLR, MS-TDS) for tests and the demo; proven against impacket, FreeTDS
``tsql -LH`` and nmap in tests/functional/test_sql_browser_clients.py. It never logs anybody in.

    python tests/lab/sql_responder.py serve --address 127.0.0.20 --config sql.yml --state-file F
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import struct
import sys
import threading

import yaml

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

from tests.lab.collection import ssrp, tds  # noqa: E402  pylint: disable=wrong-import-position

MODES = ('normal', 'wrong_type', 'size_too_big', 'size_too_small', 'truncated', 'oversize', 'non_ascii', 'silent')


class _TdsListener:
    """One instance's TCP port: answers PRELOGIN (or behaves like a strict TDS 8.0 server)."""

    def __init__(self, address, port, behaviour):
        self.behaviour = behaviour
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((address, port))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.prelogins = 0
        self.held = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, dummy = self.sock.accept()
            except OSError:
                continue
            if self.behaviour.get('hold'):
                # a SYN proxy, a load balancer with no live backend, a hung service: accepts, reads nothing, says nothing
                self.held.append(conn)
                continue
            with conn:
                conn.settimeout(2)
                try:
                    data = conn.recv(4096)
                except OSError:
                    continue
                if self.behaviour.get('strict'):
                    # TDS 8.0 strict: TLS first. A cleartext PRELOGIN (0x12) is not a TLS ClientHello (0x16): close.
                    continue
                if data[:1] != b'\x12':
                    continue
                self.prelogins += 1
                major, minor, build = self.behaviour.get('version', (15, 0, 2000))
                conn.sendall(tds.build_prelogin_response(major, minor, build, encryption=self.behaviour.get('encryption', 0)))

    def stop(self):
        self._stop.set()
        self._thread.join(2)
        for conn in self.held:
            conn.close()
        self.sock.close()


class SqlBrowserResponder:
    """SQL Server Browser on ``address:udp_port`` and a TDS listener per instance with ``tcp: true``.

    ``instances``: dicts with ``name``, optional ``server_name``, ``version`` (dotted), ``clustered``,
    ``tcp`` (true, false or a fixed port), ``np``, ``dac_port``, ``bv`` (three values) and ``tds``
    (``{version: [15, 0, 2000], encryption: 0}``, ``{strict: true}``, or ``{hold: true}``: accept and never answer). ``mode`` breaks the replies on purpose.
    """

    def __init__(self, address='127.0.0.20', udp_port=1434, instances=(), mode='normal', server_name='SQLLAB'):
        if mode not in MODES:
            raise ValueError('mode must be one of %s' % ', '.join(MODES))
        self.address, self.udp_port, self.mode, self.server_name = address, udp_port, mode, server_name
        self.instance_specs = [dict(i) for i in instances]
        self.instances = []
        self.requests = []
        self._tds = []
        self._sock = None
        self._stop = threading.Event()
        self._thread = None

    def _records(self, specs):
        records = []
        for spec in specs:
            record = ['ServerName', spec.get('server_name', self.server_name), 'InstanceName', spec['name'],
                      'IsClustered', 'Yes' if spec.get('clustered') else 'No', 'Version', spec.get('version', '15.0.2000.5')]
            if spec.get('np'):
                record += ['np', spec['np']]
            if spec.get('bv') is not None:
                record += ['bv'] + list(spec['bv'])
            if spec.get('tcp_port'):
                record += ['tcp', str(spec['tcp_port'])]
            records.append(record)
        return records

    def reply(self, request):
        """The datagram the Browser sends for ``request`` (None = stay silent, as MC-SQLR requires)."""
        if not request:
            return None
        kind = request[0]
        if kind in (ssrp.CLNT_BCAST_EX, ssrp.CLNT_UCAST_EX) and len(request) == 1:
            specs = self.instances
        elif kind == ssrp.CLNT_UCAST_INST and request.endswith(b'\x00') and 2 <= len(request) <= 34:
            name = request[1:-1].decode('latin-1').lower()
            specs = [i for i in self.instances if i['name'].lower() == name]
        elif kind == ssrp.CLNT_UCAST_DAC and len(request) >= 3 and request[1] == 1 and request.endswith(b'\x00'):
            name = request[2:-1].decode('latin-1').lower()
            match = [i for i in self.instances if i['name'].lower() == name and i.get('dac_port')]
            return ssrp.build_response([], dac_port=match[0]['dac_port']) if match else None
        else:
            return None
        if not specs or self.mode == 'silent':
            return None
        data = ssrp.build_response(self._records(specs))
        return self._break(data)

    def _break(self, data):
        mode = self.mode
        if mode == 'wrong_type':
            return b'\x06' + data[1:]
        if mode == 'size_too_big':
            return data[:1] + struct.pack('<H', len(data) - 3 + 50) + data[3:]
        if mode == 'size_too_small':
            return data[:1] + struct.pack('<H', len(data) - 3 - 10) + data[3:]
        if mode == 'truncated':
            return data[:len(data) // 2]
        if mode == 'oversize':
            filler = ''.join('ServerName;%s;InstanceName;FILL%03d;IsClustered;No;Version;15.0.2000.5;tcp;%d;;' % (self.server_name, n, 40000 + n)
                             for n in range(60))
            body = data[3:] + filler.encode('latin-1')
            return data[:1] + struct.pack('<H', len(body)) + body
        if mode == 'non_ascii':
            body = data[3:].replace(self.server_name.encode('latin-1'), 'S\xc9RV\xd8R'.encode('latin-1'))
            return data[:1] + struct.pack('<H', len(body)) + body
        return data

    def start(self):
        for spec in self.instance_specs:
            resolved = dict(spec)
            if spec.get('tcp', True):
                listener = _TdsListener(self.address, spec['tcp'] if isinstance(spec.get('tcp'), int) and spec['tcp'] is not True else 0,
                                        spec.get('tds') or {})
                self._tds.append(listener)
                resolved['tcp_port'] = listener.port
                resolved['listener'] = listener
            self.instances.append(resolved)
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((self.address, self.udp_port))
        self._sock.settimeout(0.2)
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        return self

    def _serve(self):
        while not self._stop.is_set():
            try:
                request, peer = self._sock.recvfrom(65535)
            except OSError:
                continue
            self.requests.append(request)
            data = self.reply(request)
            if data is not None:
                self._sock.sendto(data, peer)

    def stop(self):
        self._stop.set()
        if self._thread:
            self._thread.join(2)
        if self._sock:
            self._sock.close()
        for listener in self._tds:
            listener.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def describe(self):
        """JSON-ready description (address, ports) for state files and inventories."""
        return {'address': self.address, 'udp_port': self.udp_port, 'mode': self.mode,
                'instances': [{'name': i['name'], 'tcp_port': i.get('tcp_port'), 'dac_port': i.get('dac_port')} for i in self.instances]}


def main(argv=None):
    parser = argparse.ArgumentParser(description='Serve a simulated SQL Server Browser and TDS PRELOGIN listeners until SIGTERM.')
    parser.add_argument('command', choices=['serve'])
    parser.add_argument('--address', default='127.0.0.20')
    parser.add_argument('--config', required=True, help='YAML: {instances: [...], mode: normal}')
    parser.add_argument('--state-file', required=True)
    options = parser.parse_args(argv)
    with open(options.config, encoding='utf-8') as handle:
        config = yaml.safe_load(handle)
    responder = SqlBrowserResponder(options.address, int(config.get('udp_port', 1434)), config.get('instances', []), config.get('mode', 'normal'))
    responder.start()
    with open(options.state_file, 'w', encoding='utf-8') as handle:
        json.dump(dict(responder.describe(), pid=os.getpid()), handle, indent=2)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *args: stopped.set())
    signal.signal(signal.SIGINT, lambda *args: stopped.set())
    stopped.wait()
    responder.stop()
    return 0


if __name__ == '__main__':
    sys.exit(main())
