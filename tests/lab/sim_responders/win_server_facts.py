# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Simulated win_server_facts module: the parts of its answer that depend on the moment and on its parameters.

- ``clock``: a profile gives the node's clock as an offset from the controller's, not as a time (a recorded time would be
  stale when the profile is replayed): the profile's top-level ``clock_offset_s`` (default 0) is added to the time of the
  answer. A profile whose ``clock`` is null keeps it null (the section failed).
- ``windows_update``: reported only when the task asks for the search (``windows_update_search``), as the module does;
  a profile without a ``windows_update`` answer then reports the section as failed, the way an offline node does.
  The profile's top-level ``windows_update_search_seconds`` is how long the node's search job takes (BeginSearch until
  ISearchJob.IsCompleted; default 0): when it exceeds the task's ``windows_update_timeout`` the module's poll gives up,
  sends RequestAbort and fails the section with a System.TimeoutException (HResult COR_E_TIMEOUT), whatever answer the
  search would have given. ``windows_update_abort_seconds`` (default 0) is how long the job takes to stop after
  RequestAbort: beyond the module's 10 s grace it is not cleaned up (the message says so). Nothing sleeps: the times are
  compared, not waited for.
"""

from __future__ import annotations

import time

NODE_AWARE = True
COR_E_TIMEOUT = 0x80131505 - (1 << 32)  # System.TimeoutException's HResult, as Exception.HResult reads it (signed)
ABORT_GRACE_S = 10  # the module waits this long for the job to stop after RequestAbort before it gives up on CleanUp


def respond(data, args, node=None):
    data = dict(data)
    if data.get('clock') is not None:
        offset = float((node or {}).get('clock_offset_s') or 0)
        data['clock'] = {'utc_epoch_ms': int((time.time() + offset) * 1000)}
    if not args.get('windows_update_search'):
        data.pop('windows_update', None)
        for key in ('errors', 'error_details'):
            if isinstance(data.get(key), dict):
                data[key] = {k: v for k, v in data[key].items() if k != 'windows_update'}
    elif float((node or {}).get('windows_update_search_seconds') or 0) > int(args.get('windows_update_timeout') or 300):
        timeout = int(args.get('windows_update_timeout') or 300)
        stopped = float((node or {}).get('windows_update_abort_seconds') or 0) <= ABORT_GRACE_S
        message = ('the Windows Update search did not complete within %d seconds (RequestAbort sent; %s)'
                   % (timeout, 'the job stopped and was cleaned up' if stopped
                      else 'the job had not stopped 10 seconds later and was left to the module\'s exit'))
        data['windows_update'] = None
        data['errors'] = dict(data.get('errors') or {}, windows_update=message)
        data['error_details'] = dict(data.get('error_details') or {}, windows_update={
            'message': message, 'hresult': COR_E_TIMEOUT, 'category': 'OperationTimeout', 'error_id': 'System.TimeoutException',
            'exception': 'System.TimeoutException'})
    elif 'windows_update' not in data:
        data['windows_update'] = None
        data['errors'] = dict(data.get('errors') or {}, windows_update='Exception from HRESULT: 0x8024402C')
        data['error_details'] = dict(data.get('error_details') or {}, windows_update={
            'message': 'Exception from HRESULT: 0x8024402C', 'hresult': -2145107924, 'category': 'OperationStopped',
            'error_id': 'System.Runtime.InteropServices.COMException', 'exception': 'System.Runtime.InteropServices.COMException'})
    return data
