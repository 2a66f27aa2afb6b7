# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Simulated win_server_facts module: the parts of its answer that depend on the moment and on its parameters.

- ``clock``: a profile gives the node's clock as an offset from the controller's, not as a time (a recorded time would be
  stale when the profile is replayed): the profile's top-level ``clock_offset_s`` (default 0) is added to the time of the
  answer. A profile whose ``clock`` is null keeps it null (the section failed).
- ``windows_update``: reported only when the task asks for the search (``windows_update_search``), as the module does;
  a profile without a ``windows_update`` answer then reports the section as failed, the way an offline node does.
"""

from __future__ import annotations

import time

NODE_AWARE = True


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
    elif 'windows_update' not in data:
        data['windows_update'] = None
        data['errors'] = dict(data.get('errors') or {}, windows_update='Exception from HRESULT: 0x8024402C')
        data['error_details'] = dict(data.get('error_details') or {}, windows_update={
            'message': 'Exception from HRESULT: 0x8024402C', 'hresult': -2145107924, 'category': 'OperationStopped',
            'error_id': 'System.Runtime.InteropServices.COMException', 'exception': 'System.Runtime.InteropServices.COMException'})
    return data
