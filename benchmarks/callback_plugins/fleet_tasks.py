# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark helper (not part of the collection): per-task wall time and per-host task count, as JSON.

benchmarks/fleet.py enables it with ANSIBLE_CALLBACK_PLUGINS / ANSIBLE_CALLBACKS_ENABLED=fleet_tasks and reads the
file named by FLEET_TASKS_JSON: {"tasks": [[play, task, seconds, hosts that ran it, controller CPU s, simulator CPU s], ...],
"per_host": {host: count}}. A host's count is the tasks that ran on it (ok, changed, failed, unreachable), not the ones it skipped.
Controller CPU is this process's and its reaped workers' (os.times); simulator CPU is the parent process's (fleet.py serves
the simulated nodes), read from /proc (0 where there is no /proc).
"""

from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r'''
name: fleet_tasks
type: aggregate
short_description: per-task wall time and per-host task count for benchmarks/fleet.py
description: Writes JSON to the file named by the environment variable FLEET_TASKS_JSON at the end of the run.
requirements: [enable in configuration]
'''


def _cpu():
    """(controller CPU s: this process and its reaped workers, simulator CPU s: the parent process, from /proc)."""
    mine = os.times()
    try:
        with open('/proc/%d/stat' % os.getppid(), encoding='ascii') as handle:
            fields = handle.read().rsplit(')', 1)[1].split()
        parent = (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')  # utime, stime
    except (OSError, ValueError, IndexError):
        parent = 0.0
    return mine.user + mine.system + mine.children_user + mine.children_system, parent


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'fleet_tasks'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self._play = ''
        self._tasks = []
        self._current = None
        self._per_host = {}

    def _close(self):
        if self._current is not None:
            self._current[2] = round(time.perf_counter() - self._current[2], 3)
            controller, simulator = _cpu()
            self._current[4] = round(controller - self._current[4], 2)
            self._current[5] = round(simulator - self._current[5], 2)
            self._tasks.append(self._current)
            self._current = None

    def v2_playbook_on_play_start(self, play):
        self._close()
        self._play = play.get_name()

    def _start(self, task):
        self._close()
        self._current = [self._play, task.get_name(), time.perf_counter(), 0] + list(_cpu())

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._start(task)

    def v2_playbook_on_handler_task_start(self, task):
        self._start(task)

    def _ran(self, result):
        host = result._host.get_name()  # pylint: disable=protected-access
        self._per_host[host] = self._per_host.get(host, 0) + 1
        if self._current is not None:
            self._current[3] += 1

    def v2_runner_on_ok(self, result, **kwargs):
        self._ran(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._ran(result)

    def v2_runner_on_unreachable(self, result):
        self._ran(result)

    def v2_playbook_on_stats(self, stats):
        self._close()
        path = os.environ.get('FLEET_TASKS_JSON')
        if path:
            with open(path, 'w', encoding='utf-8') as handle:
                json.dump({'tasks': self._tasks, 'per_host': self._per_host}, handle)
