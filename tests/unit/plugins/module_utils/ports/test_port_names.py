# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A name with several addresses: every address is probed and the worst decides (loopback only)."""

from __future__ import annotations

import socket

from ansible_collections.safeq.preflight.plugins.module_utils.ports import _port_check, _port_engine, _port_evaluate


def _fake_resolver(monkeypatch, name, addresses):
    real = socket.getaddrinfo

    def fake(host, *args, **kwargs):
        if host == name:
            return [(family, socket.SOCK_STREAM, 6, '', (address, 0) if family == socket.AF_INET else (address, 0, 0, 0))
                    for family, address in addresses]
        return real(host, *args, **kwargs)
    monkeypatch.setattr(socket, 'getaddrinfo', fake)


def _run(name, port, expect='reachable'):
    params = {'targets': [{'host': name, 'port': port, 'proto': 'tcp', 'entry': 'net.to-printer.tcp-9100', 'expect': expect}],
              'timeout': 2.0, 'retries': 0, 'concurrency': 4, 'deadline': 10}
    return _port_check.run_posix(params)


def test_resolve_keeps_every_address_once_ipv4_first(monkeypatch):
    _fake_resolver(monkeypatch, 'multi.example', [(socket.AF_INET6, '::1'), (socket.AF_INET, '127.0.0.1'), (socket.AF_INET, '127.0.0.1'),
                                                  (socket.AF_INET, '127.0.0.2')])
    assert _port_engine.resolve(['multi.example'])['multi.example'] == [
        (socket.AF_INET, '127.0.0.1'), (socket.AF_INET, '127.0.0.2'), (socket.AF_INET6, '::1')]


def test_one_address_answering_is_not_a_pass(monkeypatch, held_port):
    _fake_resolver(monkeypatch, 'multi.example', [(socket.AF_INET, '127.0.0.1'), (socket.AF_INET, '127.0.0.2')])
    result = _run('multi.example', held_port, expect='open')
    states = {item['address']: item['state'] for item in result['results']}
    assert states == {'127.0.0.1': 'open', '127.0.0.2': 'closed'}
    (found,) = result['findings']
    assert found['status'] == 'fail'
    assert {item['address'] for item in _port_evaluate.flows(found['observed'])} == {'127.0.0.1', '127.0.0.2'}
    assert 'multi.example:%d/tcp (address 127.0.0.2)' % held_port in found['detail']


def test_every_address_answering_passes(monkeypatch, held_port):
    _fake_resolver(monkeypatch, 'single.example', [(socket.AF_INET, '127.0.0.1'), (socket.AF_INET, '127.0.0.1')])
    result = _run('single.example', held_port, expect='open')
    assert [item['address'] for item in result['results']] == ['127.0.0.1']
    assert result['findings'][0]['status'] == 'pass'


def test_the_worst_address_decides_whatever_the_order(monkeypatch, held_port):
    _fake_resolver(monkeypatch, 'multi.example', [(socket.AF_INET, '127.0.0.2'), (socket.AF_INET, '127.0.0.1')])
    result = _run('multi.example', held_port, expect='open')
    assert result['findings'][0]['status'] == 'fail'
    assert result['summary']['open'] == 1 and result['summary']['closed'] == 1
