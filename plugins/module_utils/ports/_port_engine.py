# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The POSIX probe engine of port_check: every probe concurrently, non-blocking sockets, one selector.

PRIVATE to this collection. It returns raw outcomes only (what the socket said); ``_port_classify``
decides states. Outcome: ``{id, outcome, errno, icmp, rtt_ms, attempts, response, tls, message}`` with
outcome connected (TCP handshake done), response (bytes came back), error (``errno`` and, when the
kernel queued one, the ICMP message ``{type, code, from}``), timeout, dns-failure or not-run (deadline).

UDP sockets are connected, and IP_RECVERR is set on every socket, so ICMP errors surface at once with
their type, code and sender (the kernel's error queue), as nmap reads them.
"""

from __future__ import annotations

import errno
import selectors
import socket
import ssl
import struct
import sys
import time

LINUX = sys.platform.startswith('linux')
IP_RECVERR = getattr(socket, 'IP_RECVERR', 11 if LINUX else None)
IPV6_RECVERR = getattr(socket, 'IPV6_RECVERR', 25 if LINUX else None)
MSG_ERRQUEUE = getattr(socket, 'MSG_ERRQUEUE', 0x2000 if LINUX else None)
_EXTENDED_ERR = struct.Struct('=IBBBxII')


def resolve(hosts):
    """Map each host name to every address it resolves to, ``[(family, address)]`` (both families, deduplicated, IPv4 first),
    or to the resolver's error message. Every address is probed: a name passes only when each of them answers."""
    result = {}
    for host in hosts:
        try:
            info = socket.getaddrinfo(host, None, 0, socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            result[host] = str(exc)
            continue
        info.sort(key=lambda item: item[0] != socket.AF_INET)
        found = list(dict.fromkeys((item[0], item[4][0]) for item in info if item[0] in (socket.AF_INET, socket.AF_INET6)))
        result[host] = found or 'the name resolved to no IPv4 or IPv6 address'
    return result


def _icmp_from_errqueue(sock, family):
    """The ICMP error the kernel queued for this socket: {type, code, from} (Linux), or None."""
    if MSG_ERRQUEUE is None:
        return None
    try:
        dummy, ancdata, dummy2, dummy3 = sock.recvmsg(512, 512, MSG_ERRQUEUE)
    except OSError:
        return None
    for dummy, dummy2, data in ancdata:
        if len(data) < _EXTENDED_ERR.size:
            continue
        ee_errno, origin, icmp_type, icmp_code, dummy, dummy2 = _EXTENDED_ERR.unpack(data[:_EXTENDED_ERR.size])
        offender = data[_EXTENDED_ERR.size:]
        sender = None
        if family == socket.AF_INET and len(offender) >= 8:
            sender = socket.inet_ntop(socket.AF_INET, offender[4:8])
        elif family == socket.AF_INET6 and len(offender) >= 24:
            sender = socket.inet_ntop(socket.AF_INET6, offender[8:24])
        return {'type': icmp_type, 'code': icmp_code, 'from': sender, 'origin': origin, 'errno': ee_errno}
    return None


def _unprobed(spec, outcome, message):
    """The raw outcome of a probe that opened no socket (its name did not resolve, or the deadline passed)."""
    return {'id': spec['id'], 'address': None, 'outcome': outcome, 'errno': None, 'icmp': None, 'rtt_ms': 0.0, 'attempts': 0,
            'response': b'', 'tls': None, 'message': message}


class _Probe:
    """One probe's state machine: connect (TCP), then optional TLS handshake or read; or send/receive (UDP)."""

    def __init__(self, spec, address, family, timeout, retries):
        self.spec, self.address, self.family = spec, address, family
        self.key = (spec['id'], address)
        self.timeout, self.retries = timeout, retries
        self.sock = None
        self.phase = 'new'
        self.attempts = 0
        self.started = self.expires = 0.0
        self.result = None
        self.tls = None

    def outcome(self, outcome, error_number=None, icmp=None, response=b'', message=''):
        self.result = {'id': self.spec['id'], 'address': self.address, 'outcome': outcome, 'errno': errno.errorcode.get(error_number) if error_number else None,
                       'icmp': icmp, 'rtt_ms': round((time.monotonic() - self.started) * 1000, 1), 'attempts': self.attempts,
                       'response': response, 'tls': self.tls, 'message': message}


class Engine:
    """Run probe specs (``_port_targets.expand`` output plus ``payload``) with at most ``concurrency`` sockets open."""

    def __init__(self, timeout=1.0, retries=1, concurrency=256, deadline=120.0):
        self.timeout, self.retries, self.concurrency, self.deadline = timeout, retries, concurrency, deadline
        self.selector = selectors.DefaultSelector()

    def run(self, specs):
        """Raw outcomes in the order of ``specs``: one per address a spec's host resolves to (same ``id``), or one ``dns-failure``."""
        addresses = resolve(sorted({spec['host'] for spec in specs}))
        waiting = []
        done = {}
        order = []
        for spec in specs:
            found = addresses[spec['host']]
            if isinstance(found, str):
                order.append((spec['id'], None))
                done[order[-1]] = _unprobed(spec, 'dns-failure', found)
                continue
            for family, address in found:
                order.append((spec['id'], address))
                waiting.append(_Probe(spec, address, family, self.timeout, self.retries if spec['proto'] == 'udp' else 0))
        waiting.reverse()
        active = []
        stop_at = time.monotonic() + self.deadline
        try:
            while waiting or active:
                now = time.monotonic()
                while waiting and len(active) < self.concurrency and now < stop_at:
                    probe = waiting.pop()
                    self._start(probe)
                    if probe.result:
                        done[probe.key] = probe.result
                    else:
                        active.append(probe)
                if not active:
                    break
                wait = max(0.0, min(min(p.expires for p in active), stop_at) - time.monotonic())
                for key, events in self.selector.select(wait):
                    self._step(key.data, events)
                now = time.monotonic()
                for probe in active:
                    if probe.result is None and (now >= probe.expires or now >= stop_at):
                        self._expire(probe, now >= stop_at)
                for probe in [p for p in active if p.result is not None]:
                    self._close(probe)
                    active.remove(probe)
                    done[probe.key] = probe.result
        finally:
            for probe in active:
                self._close(probe)
            self.selector.close()
        for probe in waiting:
            done[probe.key] = dict(_unprobed(probe.spec, 'not-run', 'the overall deadline passed first'), address=probe.address)
        return [done[key] for key in order]

    # -- phases --------------------------------------------------------------------------------------
    def _start(self, probe):
        probe.started = time.monotonic()
        probe.expires = probe.started + probe.timeout
        probe.attempts = 1
        kind = socket.SOCK_DGRAM if probe.spec['proto'] == 'udp' else socket.SOCK_STREAM
        try:
            probe.sock = socket.socket(probe.family, kind)
        except OSError as exc:
            probe.outcome('error', exc.errno, message=str(exc))
            return
        probe.sock.setblocking(False)
        level, option = (socket.IPPROTO_IP, IP_RECVERR) if probe.family == socket.AF_INET else (socket.IPPROTO_IPV6, IPV6_RECVERR)
        if option is not None:
            # Without IP_RECVERR Linux keeps "soft" ICMP errors (host/net unreachable) from TCP connects until they time out.
            probe.sock.setsockopt(level, option, 1)
        code = probe.sock.connect_ex((probe.address, probe.spec['port']))
        if probe.spec['proto'] == 'udp':
            if code:
                probe.outcome('error', code, message=errno.errorcode.get(code, str(code)))
                return
            self._send_udp(probe)
            if probe.result is None:
                probe.phase = 'udp'
                self.selector.register(probe.sock, selectors.EVENT_READ, probe)
            return
        if code not in (0, errno.EINPROGRESS, errno.EWOULDBLOCK):
            probe.outcome('error', code, _icmp_from_errqueue(probe.sock, probe.family), message=errno.errorcode.get(code, str(code)))
            return
        probe.phase = 'connect'
        self.selector.register(probe.sock, selectors.EVENT_WRITE, probe)

    def _send_udp(self, probe):
        try:
            probe.sock.send(probe.spec.get('payload') or b'')
        except OSError as exc:
            probe.outcome('error', exc.errno, _icmp_from_errqueue(probe.sock, probe.family), message=str(exc))

    def _step(self, probe, events):
        if probe.result is not None:
            return
        sock = probe.sock
        if probe.phase == 'connect':
            code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if code:
                probe.outcome('error', code, _icmp_from_errqueue(sock, probe.family), message=errno.errorcode.get(code, str(code)))
            elif probe.spec['probe'] == 'tls':
                probe.tls = {'version': None, 'cipher': None, 'der': b'', 'error': None}
                context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE  # the certificate is read and judged in Python, never trusted blindly
                server_name = probe.spec.get('server_name') or probe.spec['host']
                sni = None if _is_address(server_name) else server_name
                self.selector.unregister(sock)
                probe.sock = context.wrap_socket(sock, server_hostname=sni, do_handshake_on_connect=False)
                self.selector.register(probe.sock, selectors.EVENT_READ | selectors.EVENT_WRITE, probe)
                probe.phase = 'tls'
                self._handshake(probe)
            elif probe.spec['probe'] == 'time':
                probe.phase = 'read'
                self.selector.modify(sock, selectors.EVENT_READ, probe)
            else:
                probe.outcome('connected')
        elif probe.phase == 'tls':
            self._handshake(probe)
        elif probe.phase == 'read':
            try:
                probe.outcome('response', response=sock.recv(64))
            except OSError as exc:
                probe.outcome('connected', message='connected, then the read failed: %s' % exc)
        elif probe.phase == 'udp':
            try:
                probe.outcome('response', response=sock.recv(65535))
            except OSError as exc:
                probe.outcome('error', exc.errno, _icmp_from_errqueue(sock, probe.family), message=str(exc))

    def _handshake(self, probe):
        try:
            probe.sock.do_handshake()
        except ssl.SSLWantReadError:
            self.selector.modify(probe.sock, selectors.EVENT_READ, probe)
            return
        except ssl.SSLWantWriteError:
            self.selector.modify(probe.sock, selectors.EVENT_WRITE, probe)
            return
        except (ssl.SSLError, OSError) as exc:
            probe.tls['error'] = str(exc)
            probe.outcome('connected', message='TLS handshake failed: %s' % exc)
            return
        probe.tls.update(version=probe.sock.version(), cipher=(probe.sock.cipher() or [None])[0], der=probe.sock.getpeercert(True) or b'')
        probe.outcome('connected')

    def _expire(self, probe, deadline):
        if probe.phase == 'udp' and probe.attempts <= probe.retries and not deadline:
            probe.attempts += 1
            probe.expires = time.monotonic() + probe.timeout
            self._send_udp(probe)
            return
        if probe.phase == 'tls':
            probe.tls['error'] = 'no TLS answer within %.1f s' % probe.timeout
            probe.outcome('connected', message='TLS handshake timed out')
        elif probe.phase == 'read':
            probe.outcome('connected', message='connected; no data within %.1f s' % probe.timeout)
        else:
            probe.outcome('timeout', message='overall deadline' if deadline else '')

    def _close(self, probe):
        if probe.sock is None:
            return
        try:
            self.selector.unregister(probe.sock)
        except (KeyError, ValueError):
            pass
        probe.sock.close()
        probe.sock = None


def _is_address(name):
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, name)
            return True
        except (OSError, ValueError):
            pass
    return False
