# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Simulated win_port_listener: REAL sockets on the simulated node's own loopback address, closed by a timer.

Like the module on Windows, each requested port is bound exclusively (a port in use is a ``conflict``,
never taken over), TCP connections are accepted and closed, UDP datagrams echoed, and every socket is
closed after ``duration_s`` by a timer of its own, whether or not the controller is still there. The
simulation cannot name the holding process: ``holder.name`` says so. ``ACTIVE`` lists what is open now
(tests assert that nothing is left after the expiry bound).
"""

from __future__ import annotations

import errno
import os
import socket
import threading
import time

NODE_AWARE = True
ACTIVE = {}  # (address, proto, port) -> socket
_LOCK = threading.Lock()


def _serve(sock, proto, deadline, limit=None):
    sock.settimeout(0.05)
    served = 0
    while time.monotonic() < deadline and (limit is None or served < limit):
        try:
            if proto == 'tcp':
                conn, dummy = sock.accept()
                # as the module does: close after the prober closed (or 5 s), so no TIME_WAIT stays on the listener's port
                threading.Thread(target=_close_after_peer, args=(conn,), daemon=True).start()
            else:
                data, peer = sock.recvfrom(2048)
                sock.sendto(data, peer)
            served += 1
        except socket.timeout:
            continue
        except OSError:
            return  # closed by the timer
    _close(sock)


def _close_after_peer(conn):
    conn.settimeout(5)
    try:
        while conn.recv(512):
            pass
    except OSError:
        pass
    conn.close()


def _close(sock):
    with _LOCK:
        for key, value in list(ACTIVE.items()):
            if value is sock:
                del ACTIVE[key]
    try:
        sock.close()
    except OSError:
        pass


def _bind(address, proto, port):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM if proto == 'tcp' else socket.SOCK_DGRAM)
    try:
        sock.bind((address, port))
        if proto == 'tcp':
            sock.listen(64)
    except OSError:
        sock.close()
        raise
    return sock


def _late(address, proto, port, duration, delay):
    """Bind after ``delay`` seconds (a listener whose process is slow to start), then serve until the same expiry."""
    time.sleep(delay)
    try:
        sock = _bind(address, proto, port)
    except OSError:
        return
    with _LOCK:
        ACTIVE[(address, proto, port)] = sock
    left = max(0.0, duration - delay)
    threading.Thread(target=_serve, args=(sock, proto, time.monotonic() + left), daemon=True).start()
    timer = threading.Timer(left, _close, args=(sock,))
    timer.daemon = True
    timer.start()


def respond(profile_value, params, node=None):
    """Profile value: ``{}``; ``unbindable: ['tcp/19898']`` makes those binds fail as in an excluded port range (WSAEACCES
    10013, nothing listens there); ``bind_delay_s: N`` makes a listener that runs for a while (duration > 0) bind its sockets
    only N seconds after the start answer (as the real one does after PowerShell has started and compiled Ansible.Basic);
    ``close_after_accepts: N`` makes each socket close after N connections or datagrams (a listener that dies early)."""
    profile_value = profile_value or {}
    limit = profile_value.get('close_after_accepts')  # a listener that dies early: each socket closes after N connections/datagrams
    unbindable = {str(item).lower() for item in profile_value.get('unbindable') or ()}
    delay = float(profile_value.get('bind_delay_s') or 0)
    address = (node or {}).get('address') or '127.0.0.1'
    duration = int(params.get('duration_s', 300))
    deadline = time.monotonic() + duration
    ports = []
    for item in params.get('ports') or []:
        proto, port = item.get('proto') or 'tcp', int(item['port'])
        entry = {'port': port, 'proto': proto, 'state': 'bound', 'socket_error': None, 'holder': None, 'message': ''}
        if '%s/%d' % (proto, port) in unbindable:
            entry.update(state='conflict', socket_error=10013, message='An attempt was made to access a socket in a way forbidden by its '
                         'access permissions', holder={'pid': None, 'name': None, 'address': None, 'lookup_error': 'no endpoint found'})
            ports.append(entry)
            continue
        if delay and duration > 0:
            threading.Thread(target=_late, args=(address, proto, port, duration, delay), daemon=True).start()
            ports.append(entry)
            continue
        try:
            sock = _bind(address, proto, port)
        except OSError as exc:
            in_use = exc.errno in (errno.EADDRINUSE, errno.EACCES)
            entry.update(state='conflict' if in_use else 'error', socket_error=10048 if exc.errno == errno.EADDRINUSE else 10013,
                         message=os.strerror(exc.errno or 0),
                         holder={'pid': None, 'name': None, 'address': address,
                                 'lookup_error': 'simulation: the holding process is not looked up'} if in_use else None)
            ports.append(entry)
            continue
        ports.append(entry)
        if duration <= 0:
            sock.close()
            continue
        with _LOCK:
            ACTIVE[(address, proto, port)] = sock
        threading.Thread(target=_serve, args=(sock, proto, deadline, limit), daemon=True).start()
        timer = threading.Timer(duration, _close, args=(sock,))
        timer.daemon = True
        timer.start()
    result = {'ports': ports, 'bind_address': address, 'duration_s': duration,
              'process': {'pid': 4242, 'path': 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe'},
              'served': {'tcp_accepted': 0, 'udp_echoed': 0}}
    return result
