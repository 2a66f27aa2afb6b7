# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every node's check results, recorded once per role on the controller. PRIVATE to this collection.

Each check role registers its modules' results on every node, then ends with ONE ``run_once`` task that reads them from
``hostvars`` and appends them to ``safeq_preflight_node_results`` of ``localhost`` (``{host: [{module, result}]}``); whether a
node was found unreachable is read from those records (``reachable``). A record task per node cost as much as a WinRM round
trip at 100 nodes (docs/pipelines.md, fleet speed); one for the play costs one worker.

``hostvars`` is Ansible's ``HostVars`` (a mapping of host to a mapping that templates on access) or, in unit tests, a dict.
The host variable ``safeq_preflight_results`` (a list of ``{module, result}``) is still read: a site's own role may append to it.
"""

from __future__ import annotations

from collections.abc import Mapping

NODE_RESULTS = 'safeq_preflight_node_results'
HOST_RESULTS = 'safeq_preflight_results'


def host_vars(hostvars, host):
    """The host's variables (an empty mapping for a host the inventory does not have)."""
    try:
        found = hostvars[host]
    except KeyError:
        return {}
    return found if isinstance(found, Mapping) else {}  # HostVars answers an unknown host with an undefined marker


def raw_vars(hostvars, host):
    """The host's variables as they are, for reading what a task registered or set_fact set (concrete data, never a template).

    ``HostVars.raw_get`` skips the templating walk that ``hostvars[host][name]`` makes over the whole value: a cluster's
    port-table results are megabytes, walked once per read (docs/pipelines.md, fleet speed). Each call gathers the host's
    variables once: read several from one mapping. Plain dicts (unit tests) are read as they are."""
    raw_get = getattr(hostvars, 'raw_get', None)
    variables = raw_get(host) if raw_get is not None else host_vars(hostvars, host)
    return variables if isinstance(variables, Mapping) else {}


def registered(hostvars, host, name, default=None):
    """One registered (or set_fact) variable of the host, read as it is (``raw_vars``)."""
    variables = raw_vars(hostvars, host)
    return variables[name] if name in variables else default


def kept(hostvars):
    """The records kept on the controller so far (``safeq_preflight_node_results`` of ``localhost``), as a new mapping."""
    return {host: list(items) for host, items in (registered(hostvars, 'localhost', NODE_RESULTS) or {}).items()}


def append(hosts, hostvars, registered_vars):
    """The records kept so far plus ``{module, result}`` for every host of ``hosts`` and every ``module: variable`` of
    ``registered_vars`` (in order) that the host registered. A host that never got to the task (it failed earlier and left
    the play) has no such variable and gets no record: the report says no check ran there."""
    merged = kept(hostvars)
    for host in hosts or ():
        variables = raw_vars(hostvars, host)
        for module, name in (registered_vars or {}).items():
            if name in variables:
                merged.setdefault(host, []).append({'module': module, 'result': variables[name]})
    return merged


def unreachable(records):
    """The hosts any of whose records is an unreachable result (sorted)."""
    return sorted(host for host, items in (records or {}).items()
                  if any(isinstance(item, dict) and (item.get('result') or {}).get('unreachable') for item in items or ()))


def own_records(variables):
    """The records a host appended itself (``safeq_preflight_results`` of its ``raw_vars``), as a list."""
    own = variables.get(HOST_RESULTS)
    return list(own) if isinstance(own, list) else []


def reachable(host, hostvars):
    """False when a check found this node unreachable (a record kept on the controller, or one the host appended itself)."""
    return not unreachable(all_records([host], hostvars))


def all_records(hosts, hostvars):
    """``{host: [{module, result}]}``: the records kept on the controller, then those a host appended itself."""
    so_far = registered(hostvars, 'localhost', NODE_RESULTS) or {}
    return {host: list(so_far.get(host) or ()) + own_records(raw_vars(hostvars, host)) for host in hosts or ()}
