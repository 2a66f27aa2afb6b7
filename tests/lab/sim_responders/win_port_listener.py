# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Simulated win_port_listener: REAL sockets on the simulated node's own loopback address, closed by a timer.

Like the module on Windows, each requested port is bound exclusively (a port in use is a ``conflict``,
never taken over), TCP connections are accepted and closed, UDP datagrams echoed, and every socket is
closed after ``duration_s`` by a timer of its own, whether or not the controller is still there. As the module
answers only once its listener process has reported its binds, the answer comes after the binds: ``listening``
ports are bound when it is sent (a process slow to start delays the answer, and one slower than ``ready_timeout_s``
is stopped: every port ``not-ready``, nothing listens). The simulation cannot name the holding process: ``holder.name``
says so. ``ACTIVE`` lists what is open now (tests assert that nothing is left after the expiry bound).
"""

from __future__ import annotations

import errno
import heapq
import itertools
import os
import selectors
import socket
import threading
import time

NODE_AWARE = True
ACTIVE = {}  # (address, proto, port) -> socket
_LOCK = threading.Lock()
PEER_CLOSE_WAIT = 5.0  # as the module: an accepted connection is closed once the prober closed its side, or after 5 s


class _Loop:
    """One thread serves every simulated node's listeners (a 100-node cluster holds some 500 sockets and accepts tens of
    thousands of connections): a selector, no thread per socket or per connection, no polling. ``add`` registers a bound
    socket with its expiry and its limit; the loop accepts and closes TCP connections, echoes UDP datagrams and closes each
    socket at its expiry or after its limit of connections/datagrams."""

    def __init__(self):
        self.selector = selectors.DefaultSelector()
        self.wake_r, self.wake_w = socket.socketpair()
        self.wake_r.setblocking(False)
        self.selector.register(self.wake_r, selectors.EVENT_READ, ('wake', None))
        self.pending = []
        self.listeners = {}  # socket -> [proto, limit, served]
        self.accepted = set()
        self.timers = []  # heap of (when, sequence, socket): a listener's expiry, an accepted connection's last moment
        self.sequence = itertools.count()
        thread = threading.Thread(target=self._run, name='sim-listeners', daemon=True)
        thread.start()

    def add(self, sock, proto, deadline, limit):
        with _LOCK:
            self.pending.append((sock, proto, deadline, limit))
        self.wake_w.send(b'x')

    def _run(self):
        while True:
            timeout = max(0.0, self.timers[0][0] - time.monotonic()) if self.timers else None
            for key, dummy in self.selector.select(timeout):
                kind, sock = key.data
                if kind == 'wake':
                    self._take()
                elif kind == 'listener':
                    self._serve(sock)
                else:
                    self._drain(sock)
            now = time.monotonic()
            while self.timers and self.timers[0][0] <= now:
                dummy, dummy, sock = heapq.heappop(self.timers)
                if sock in self.listeners:
                    self._drop_listener(sock)
                elif sock in self.accepted:
                    self._drop_connection(sock)

    def _take(self):
        try:
            while self.wake_r.recv(4096):
                pass
        except BlockingIOError:
            pass
        with _LOCK:
            pending, self.pending = self.pending, []
        for sock, proto, deadline, limit in pending:
            sock.setblocking(False)
            self.listeners[sock] = [proto, limit, 0]
            heapq.heappush(self.timers, (deadline, next(self.sequence), sock))
            self.selector.register(sock, selectors.EVENT_READ, ('listener', sock))

    def _serve(self, sock):
        state = self.listeners.get(sock)
        if state is None:
            return
        proto, limit, dummy = state
        try:
            if proto == 'tcp':
                conn, dummy = sock.accept()
                conn.setblocking(False)
                self.accepted.add(conn)
                heapq.heappush(self.timers, (time.monotonic() + PEER_CLOSE_WAIT, next(self.sequence), conn))
                self.selector.register(conn, selectors.EVENT_READ, ('connection', conn))
            else:
                data, peer = sock.recvfrom(2048)
                sock.sendto(data, peer)
        except OSError:
            # nothing to take after all (a connection reset before the accept, ECONNABORTED), or an ICMP error queued on the
            # UDP socket: the socket serves on, unless it was closed under the loop
            if sock.fileno() == -1:
                self._drop_listener(sock)
            return
        state[2] += 1
        if limit is not None and state[2] >= limit:
            self._drop_listener(sock)

    def _drain(self, conn):
        try:
            if conn.recv(512):
                return
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            pass
        self._drop_connection(conn)  # the prober closed its side (or reset it)

    def _drop_listener(self, sock):
        self.listeners.pop(sock, None)
        try:
            self.selector.unregister(sock)
        except (KeyError, ValueError):
            pass
        _close(sock)

    def _drop_connection(self, conn):
        self.accepted.discard(conn)
        try:
            self.selector.unregister(conn)
        except (KeyError, ValueError):
            pass
        conn.close()


_LOOP = []


def _loop():
    with _LOCK:
        if not _LOOP:
            _LOOP.append(_Loop())
        return _LOOP[0]


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
            sock.listen(socket.SOMAXCONN)  # as the module: every peer of a large cluster connects to each port at once
    except OSError:
        sock.close()
        raise
    return sock


def _hold(address, proto, port, sock, deadline, limit=None):
    """Serve a bound socket until ``deadline`` (monotonic), closed by the loop then, as the module's own timer does."""
    with _LOCK:
        ACTIVE[(address, proto, port)] = sock
    _loop().add(sock, proto, deadline, limit)


def respond(profile_value, params, node=None):
    """Profile value: ``{}``; ``unbindable: ['tcp/19898']`` makes those binds fail as in an excluded port range (WSAEACCES
    10013, nothing listens there); ``bind_delay_s: N`` makes the listener process of a run with ``duration_s`` > 0 take N
    seconds to start and report its binds (the module waits for it; beyond ``ready_timeout_s`` it is stopped and every port
    is ``not-ready``); ``close_after_s: N`` makes each socket close N seconds after it was bound and ``close_after_accepts: N``
    after N connections or datagrams (a listener that dies early, before the probes or after the first)."""
    profile_value = profile_value or {}
    limit = profile_value.get('close_after_accepts')
    unbindable = {str(item).lower() for item in profile_value.get('unbindable') or ()}
    delay = float(profile_value.get('bind_delay_s') or 0)
    address = (node or {}).get('address') or '127.0.0.1'
    duration = int(params.get('duration_s', 300))
    timeout = int(params.get('ready_timeout_s', 30))
    path = 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe'
    result = {'bind_address': address, 'duration_s': duration, 'process': {'pid': 4242, 'path': path}, 'start_error': None}
    # a port listed twice is bound once, as the module does
    requested = list(dict.fromkeys((item.get('proto') or 'tcp', int(item['port'])) for item in params.get('ports') or []))
    if duration > 0 and delay:
        time.sleep(min(delay, timeout))
        if delay > timeout:
            why = 'the listener process (pid 4242) was stopped: it did not report its binds within %d s' % timeout
            result.update(start_error=why, ports=[{'port': port, 'proto': proto, 'state': 'not-ready', 'socket_error': None, 'holder': None,
                                                   'message': why} for proto, port in requested])
            return result
    deadline = time.monotonic() + duration
    if profile_value.get('close_after_s') is not None:
        deadline = min(deadline, time.monotonic() + float(profile_value['close_after_s']))
    ports = []
    for proto, port in requested:
        entry = {'port': port, 'proto': proto, 'state': 'listening' if duration > 0 else 'bound', 'socket_error': None, 'holder': None,
                 'message': ''}
        ports.append(entry)
        if '%s/%d' % (proto, port) in unbindable:
            entry.update(state='conflict', socket_error=10013, message='An attempt was made to access a socket in a way forbidden by its '
                         'access permissions', holder={'pid': None, 'name': None, 'address': None, 'lookup_error': 'no endpoint found'})
            continue
        try:
            sock = _bind(address, proto, port)
        except OSError as exc:
            in_use = exc.errno in (errno.EADDRINUSE, errno.EACCES)
            entry.update(state='conflict' if in_use else 'error', socket_error=10048 if exc.errno == errno.EADDRINUSE else 10013,
                         message=os.strerror(exc.errno or 0),
                         holder={'pid': None, 'name': None, 'address': address,
                                 'lookup_error': 'simulation: the holding process is not looked up'} if in_use else None)
            continue
        if duration <= 0:
            sock.close()
            continue
        _hold(address, proto, port, sock, deadline, limit)
    result['ports'] = ports
    return result
