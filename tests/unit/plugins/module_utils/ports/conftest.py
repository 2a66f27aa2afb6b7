# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures shared by the port engine tests."""

from __future__ import annotations

import socket

import pytest


@pytest.fixture
def held_port():
    """A listener on 127.0.0.1 only; the same port on 127.0.0.2 has nothing listening (the kernel answers with a reset)."""
    server = socket.socket()
    server.bind(('127.0.0.1', 0))
    server.listen(5)
    yield server.getsockname()[1]
    server.close()
