# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Real listeners for the port_check tests: TCP, a UDP responder, Time (RFC 868) and TLS servers.

Run inside the server namespace: ``port_listeners.py --address A --config listeners.json --ready FILE``.
Config: {"tcp": [ports], "udp_echo": [ports], "time": [port], "tls": [{"port", "cert", "key"}]}.
"""

from __future__ import annotations

import argparse
import json
import socket
import ssl
import struct
import threading
import time


def _tcp(address, port, handler=None):
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((address, port))
    server.listen(128)

    def serve(conn):
        conn.settimeout(5)
        try:
            if handler:
                handler(conn)
        except (OSError, ssl.SSLError):
            pass
        finally:
            conn.close()

    def loop():
        while True:
            conn, dummy = server.accept()
            threading.Thread(target=serve, args=(conn,), daemon=True).start()
    threading.Thread(target=loop, daemon=True).start()


def _udp(address, port, answer):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((address, port))

    def loop():
        while True:
            data, peer = sock.recvfrom(65535)
            sock.sendto(answer(data), peer)
    threading.Thread(target=loop, daemon=True).start()


def _now_1900():
    return struct.pack('!I', int(time.time()) + 2208988800)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--address', required=True)
    parser.add_argument('--config', required=True)
    parser.add_argument('--ready', required=True)
    args = parser.parse_args()
    with open(args.config, encoding='utf-8') as handle:
        config = json.load(handle)
    for port in config.get('tcp', []):
        _tcp(args.address, port)
    for port in config.get('udp_echo', []):
        _udp(args.address, port, lambda data: b'echo:' + data)
    for port in config.get('time', []):
        _tcp(args.address, port, lambda conn: conn.sendall(_now_1900()))
        _udp(args.address, port, lambda data: _now_1900())
    for item in config.get('tls', []):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(item['cert'], item['key'])
        _tcp(args.address, item['port'], lambda conn, context=context: context.wrap_socket(conn, server_side=True).recv(1))
    with open(args.ready, 'w', encoding='utf-8') as handle:
        handle.write('ready')
    while True:
        time.sleep(3600)


if __name__ == '__main__':
    main()
