# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shipped playbooks pin the linear strategy: their run_once tasks collect over every host of the play (the vantage
plan and probes of the network role), which only holds when every host has finished the task before
(ANSIBLE_STRATEGY=free or a strategy in ansible.cfg must not change that: a play keyword wins over both)."""

from __future__ import annotations

import glob
import os

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _plays():
    for path in sorted(glob.glob(os.path.join(ROOT, 'playbooks', '*.yml'))):
        with open(path, encoding='utf-8') as handle:
            for play in yaml.safe_load(handle) or ():
                yield os.path.basename(path), play


def _uses_run_once(path):
    with open(os.path.join(ROOT, 'playbooks', path), encoding='utf-8') as handle:
        return 'run_once' in handle.read()


def test_every_play_of_a_playbook_that_runs_nodes_or_run_once_tasks_pins_the_linear_strategy():
    plays = list(_plays())
    checked = [(path, play['name']) for path, play in plays if path == 'preinstall_check.yml' or _uses_run_once(path)]
    assert len([name for path, name in checked if path == 'preinstall_check.yml']) == 7
    unpinned = [(path, play['name']) for path, play in plays if (path, play['name']) in checked and play.get('strategy') != 'linear']
    assert unpinned == []


def test_the_node_play_validates_the_nodes_again_once_on_the_controller_before_any_role():
    node_play = [play for path, play in _plays() if path == 'preinstall_check.yml' and play['hosts'] == 'safeq_preflight_nodes'][0]
    first = node_play['tasks'][0]
    assert 'safeq.preflight.preflight_validate' in first and first['run_once'] is True and first['delegate_to'] == 'localhost'
    assert first['safeq.preflight.preflight_validate']['nodes'] == '{{ ansible_play_hosts_all }}' and 'always' in first['tags']
