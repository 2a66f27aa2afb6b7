# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""async against simulated Windows nodes, polled the way Ansible polls Windows hosts.

On a Windows host ansible-core runs ``async_status`` (the task, and its own polling under ``poll: N``) with the module
ansible.windows.async_status; ansible.windows comes from the ``ansible`` wheel on PyPI (tests/lab/windows_collection.py,
only that collection is extracted). Ground truth: the profile's ``faults.job_seconds`` (how long the gather runs in the
background) against the task's ``async`` seconds, and the profile's facts the finished job must return.
"""

from __future__ import annotations

import json
import os
import time

import pytest
import yaml

from tests.lab import lab, windows_collection
from tests.lab.winrm_sim import SimulatedNodes

FACTS = os.path.join(lab.REPO_ROOT, 'tests', 'lab', 'demo', 'nodes', 'cml1.yml')


@pytest.fixture(scope='module')
def windows_collections():
    """ansible.windows, extracted from the PyPI wheel (downloaded once; a failure to get it fails the tests)."""
    return windows_collection.ensure()


def _profile(tmp_path, name, address, job_seconds):
    with open(FACTS, encoding='utf-8') as handle:
        probes = yaml.safe_load(handle)['probes']
    profile = {'name': name, 'address': address, 'port': 0, 'credentials': {'username': 'LAB\\safeq-install', 'password': 'Async-' + name},
               'faults': {'job_seconds': job_seconds}, 'probes': probes}
    path = tmp_path / (name + '.yml')
    path.write_text(yaml.safe_dump(profile))
    return str(path), probes['win_server_facts']


def _play(tmp_path, nodes, tasks, windows_collections):
    hosts = nodes.inventory()['all']['children']['safeq_nodes']['hosts']
    return lab.run_node_tasks(str(tmp_path), hosts, tasks, [windows_collections])


def _same_facts(returned, profile):
    """The profile's facts, but the clock: the simulated node answers it live (its time when the gather ran, plus the
    profile's offset, here none), so it is within the run's minutes of the controller's time."""
    returned, profile = dict(returned), dict(profile)
    clock = returned.pop('clock', None) or {}
    profile.pop('clock', None)
    return returned == profile and abs(clock.get('utc_epoch_ms', 0) / 1000.0 - time.time()) < 600


def test_poll_0_then_async_status_until_finished(tmp_path, windows_collections):
    path, facts = _profile(tmp_path, 'bg', '127.0.0.66', job_seconds=3)
    jid = '{{ job.ansible_job_id }}'
    tasks = [
        {'name': 'start the gather in the background', 'safeq.preflight.server_check': {}, 'async': 60, 'poll': 0, 'register': 'job'},
        {'name': 'status at once', 'ansible.builtin.async_status': {'jid': jid}, 'register': 'early'},
        {'name': 'poll until finished', 'ansible.builtin.async_status': {'jid': jid}, 'register': 'done',
         'until': 'done.finished', 'retries': 20, 'delay': 1},
        {'name': 'clean up', 'ansible.builtin.async_status': {'jid': jid, 'mode': 'cleanup'}, 'register': 'cleanup'},
        {'name': 'status after cleanup', 'ansible.builtin.async_status': {'jid': jid}, 'register': 'gone', 'ignore_errors': True},
    ]
    with SimulatedNodes([path]) as nodes:
        proc, results = _play(tmp_path, nodes, tasks, windows_collections)
        log = nodes.commands('bg')
    out = results['bg']
    assert out['job']['started'] and not out['job']['finished'] and 'findings' not in out['job'], proc.stdout[-3000:]
    assert out['early']['started'] and not out['early']['finished'], 'the gather runs 3 s in the background'
    assert out['done']['finished'] and out['done']['attempts'] > 1 and _same_facts(out['done']['facts'], facts)
    assert out['done']['ansible_job_id'] == out['job']['ansible_job_id']
    assert out['cleanup']['erased'] == out['job']['results_file']
    assert out['gone']['failed'] and 'could not find job' in out['gone']['msg']
    # one module run per command: the gather once (async_wrapper), then ansible.windows.async_status per poll
    assert log[0]['module'] == 'win_server_facts'
    assert 'async_wrapper.ps1' in log[0]['actions']
    polls = [entry for entry in log[1:] if entry['module'] == 'async_status']
    assert len(polls) == len(log) - 1 >= 4 and polls[-1]['params'] == {'jid': out['job']['ansible_job_id'], 'mode': 'status'}
    assert [entry.get('job_finished') for entry in polls][:1] == [False]


def test_poll_n_lets_ansible_poll_with_async_status_and_the_watchdog_bounds_the_job(tmp_path, windows_collections):
    quick, facts = _profile(tmp_path, 'quick', '127.0.0.67', job_seconds=2)
    slow, dummy = _profile(tmp_path, 'slow', '127.0.0.68', job_seconds=8)
    tasks = [{'name': 'gather, polled by Ansible', 'safeq.preflight.server_check': {}, 'async': 4, 'poll': 1, 'register': 'polled',
              'ignore_errors': True}]
    with SimulatedNodes([quick, slow]) as nodes:
        proc, results = _play(tmp_path, nodes, tasks, windows_collections)
        logs = {name: nodes.commands(name) for name in ('quick', 'slow')}
    polled = results['quick']['polled']
    assert polled['finished'] and not polled.get('failed') and _same_facts(polled['facts'], facts), proc.stdout[-3000:]
    assert {entry['module'] for entry in logs['quick'][1:]} == {'async_status'} and len(logs['quick']) >= 3
    # the job outlives async: 4 -> the watchdog ends it and writes a failure; Ansible reports it, never a result
    slow_result = results['slow']['polled']
    assert slow_result['failed'] and 'facts' not in slow_result
    assert 'timed out waiting for module completion' in json.dumps(slow_result) or 'did not complete' in slow_result['msg']


def test_only_ansible_windows_is_extracted_from_the_wheel(tmp_path, windows_collections):
    import zipfile  # pylint: disable=import-outside-toplevel
    wheel = tmp_path / 'ansible-0-py3-none-any.whl'
    with zipfile.ZipFile(str(wheel), 'w') as archive:
        archive.writestr('ansible_collections/ansible/windows/MANIFEST.json', json.dumps({'collection_info': {'version': '3.3.0'}}))
        archive.writestr('ansible_collections/community/general/MANIFEST.json', '{}')
        archive.writestr('ansible_collections/ansible/windows/../../../../escape.txt', 'x')
    with pytest.raises(ValueError, match='unsafe path'):
        windows_collection.extract(str(wheel), str(tmp_path / 'out'))
    assert not (tmp_path / 'escape.txt').exists()
    # the real extraction: ansible.windows only, with the module ansible-core runs for async_status on Windows
    top = os.path.join(windows_collections, 'ansible_collections')
    assert sorted(os.listdir(top)) == ['ansible'] and os.listdir(os.path.join(top, 'ansible')) == ['windows']
    assert os.path.exists(os.path.join(top, 'ansible', 'windows', 'plugins', 'modules', 'async_status.ps1'))
    assert windows_collection.installed(windows_collections) == windows_collections
