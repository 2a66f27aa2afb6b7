# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fleet benchmark: the full preinstall_check playbook vs ``ansible -m raw`` on the same N simulated nodes.

Starts N simulated CML nodes (WinRM simulation, tests/lab/winrm_sim.py; each a copy of the demo's prepared
node cml1 on its own 127.0.2.x address), then, with the same forks:
  - ansible-playbook playbooks/preinstall_check.yml (the site features of --features);
  - ansible safeq_nodes -m raw -a hostname (one WinRM command per node: the transport's floor; the
    simulation answers a non-probe command with rc 1, which costs the same round trip).
Prints both wall times, the ratio, the WinRM commands per node from the simulator's request log, the tasks each node
ran and the slowest tasks (benchmarks/callback_plugins/fleet_tasks.py), the CPU time of the controller (Ansible and its workers)
and of the simulated nodes (this process) for each command, and the load average. --save-report and
--compare-report keep a run's JSON report and fail a later run whose findings differ (timestamps aside).
It is a simulation: it measures the controller side (Ansible, the collection, WinRM round trips), not Windows.
Run:  .venv/bin/python benchmarks/fleet.py [--nodes 100] [--forks 50] [--features print_server_role,cluster] [--cml N]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from tests.lab import lab, report_compare  # noqa: E402  pylint: disable=wrong-import-position
from tests.lab.winrm_sim import SimulatedNodes  # noqa: E402  pylint: disable=wrong-import-position

TEMPLATE = os.path.join(REPO, 'tests', 'lab', 'demo', 'nodes', 'cml1.yml')
NODE_VARS = os.path.join(REPO, 'tests', 'lab', 'demo', 'node_vars.yml')


def _profiles(directory, count):
    with open(TEMPLATE, encoding='utf-8') as handle:
        template = yaml.safe_load(handle)
    paths = []
    for index in range(count):
        profile = dict(template, name='fleet%03d' % index, address='127.0.%d.%d' % (2 + index // 250, 1 + index % 250), port=0)
        path = os.path.join(directory, 'fleet%03d.yml' % index)
        with open(path, 'w', encoding='utf-8') as handle:
            yaml.safe_dump(profile, handle)
        paths.append(path)
    return paths


CPU = {}  # command name -> (controller CPU s: the command and its workers; simulator CPU s: this process, which serves the nodes)


def _timed(command, run_dir, extra=None):
    started, children, own = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN), time.process_time()
    proc = subprocess.run(command, env=lab.ansible_env(run_dir, extra), cwd=run_dir, capture_output=True, text=True, timeout=3600, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU[os.path.basename(command[0])] = (after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime, time.process_time() - own)
    return time.perf_counter() - started, proc


def _task_lines(tasks, hosts, top):
    """The task count per node and the slowest tasks, from the fleet_tasks callback's JSON."""
    counts = [tasks['per_host'].get(name, 0) for name in hosts]
    lines = ['tasks run / node       mean %.2f, min %d, max %d (tasks a node skipped not counted)'
             % (statistics.mean(counts), min(counts), max(counts)),
             'tasks in the run       %d, %.1f s in all; the %d slowest:' % (len(tasks['tasks']), sum(t[2] for t in tasks['tasks']), top)]
    lines.append('  %8s  %7s  %12s %9s' % ('wall', 'results', 'CPU: control', 'sim'))
    for play, name, seconds, ran, controller, simulator in sorted(tasks['tasks'], key=lambda t: -t[2])[:top]:
        lines.append('  %6.2f s  %7d  %10.1f s %7.1f s  %s | %s' % (seconds, ran, controller, simulator, play[:24], name[:80]))
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--nodes', type=int, default=100)
    parser.add_argument('--forks', type=int, default=50)
    parser.add_argument('--features', default='print_server_role,cluster', help='comma-separated safeq_features')
    parser.add_argument('--cml', type=int, default=None, metavar='N',
                        help='only the first N nodes are CML nodes, the others ORS (a site of branch servers around a CML cluster); '
                             'default: every node is a CML node (with cluster, every node probes every other)')
    parser.add_argument('--top', type=int, default=12, help='how many of the slowest tasks to list')
    parser.add_argument('--save-report', metavar='PATH', help="copy the run's JSON report here (to compare runs)")
    parser.add_argument('--compare-report', metavar='PATH',
                        help='a JSON report of an earlier run on the same nodes: fail unless the findings are identical (timestamps aside)')
    options = parser.parse_args(argv)
    expected = _read_json(options.compare_report) if options.compare_report else None  # a bad file fails before the run
    if options.compare_report and expected is None:
        parser.error('--compare-report: no such file: %s' % options.compare_report)
    with tempfile.TemporaryDirectory(prefix='safeq-fleet-') as run_dir:
        paths = _profiles(run_dir, options.nodes)
        with open(NODE_VARS, encoding='utf-8') as handle:
            node_vars = yaml.safe_load(handle)
        with SimulatedNodes(paths) as nodes:
            hosts = {name: dict(node_vars, **host) for name, host in nodes.inventory()['all']['children']['safeq_nodes']['hosts'].items()}
            for index, name in enumerate(sorted(hosts)):
                if options.cml is not None and index >= options.cml:
                    hosts[name]['safeq_server_role'] = 'ors'

            features = [item for item in options.features.split(',') if item]
            inventory = lab.write_inventory(os.path.join(run_dir, 'inventory.yml'), hosts,
                                            {'safeq_features': features, 'safeq_report_dir': os.path.join(run_dir, 'reports')})
            lab.collections_path(run_dir)
            raw_s, raw = _timed([os.path.join(lab.VENV_BIN, 'ansible'), '-i', inventory, 'safeq_nodes', '-m', 'raw', '-a', 'hostname',
                                 '-f', str(options.forks)], run_dir)
            before = {name: len(nodes.commands(name)) for name in hosts}
            tasks_json = os.path.join(run_dir, 'tasks.json')
            play_s, play = _timed([os.path.join(lab.VENV_BIN, 'ansible-playbook'), '-i', inventory,
                                   os.path.join(lab.PLAYBOOKS, 'preinstall_check.yml'), '-f', str(options.forks)], run_dir,
                                  {'ANSIBLE_CALLBACK_PLUGINS': os.path.join(REPO, 'benchmarks', 'callback_plugins'),
                                   'ANSIBLE_CALLBACKS_ENABLED': 'fleet_tasks', 'FLEET_TASKS_JSON': tasks_json})
            commands = [len(nodes.commands(name)) - before[name] for name in hosts]
            tasks = _read_json(tasks_json)
            report = _read_json(os.path.join(run_dir, 'reports', 'safeq-preflight.json'))
    answered = raw.stdout.count('| FAILED | rc=1') + raw.stdout.count('| CHANGED | rc=0')
    cml = options.nodes if options.cml is None else min(options.cml, options.nodes)
    print('nodes %d (%d CML, %d ORS), forks %d, features %s' % (options.nodes, cml, options.nodes - cml, options.forks, ','.join(features) or '-'))
    print('ansible -m raw        %7.1f s  (exit %d, %d of %d nodes answered)' % (raw_s, raw.returncode, answered, options.nodes))
    print('preinstall_check      %7.1f s  (exit %d)' % (play_s, play.returncode))
    print('ratio                 %7.2f x' % (play_s / raw_s))
    for name, label in (('ansible', '-m raw'), ('ansible-playbook', 'preinstall_check')):
        print('CPU %-17s  controller %6.1f s, simulated nodes %6.1f s' % (label, CPU[name][0], CPU[name][1]))
    print('WinRM commands / node  mean %.2f, min %d, max %d' % (statistics.mean(commands), min(commands), max(commands)))
    if tasks:
        print('\n'.join(_task_lines(tasks, hosts, options.top)))
    print('load average          %s (1, 5, 15 min, at the end)' % ', '.join('%.2f' % value for value in os.getloadavg()))
    if report is None:
        print('no JSON report was written:', play.stdout[-3000:], play.stderr[-2000:])
        return 1
    if options.save_report:
        with open(options.save_report, 'w', encoding='utf-8') as handle:
            json.dump(report, handle, indent=1, sort_keys=True)
    if options.compare_report:
        differences = report_compare.differences(expected, report)
        print('findings vs %s: %s' % (options.compare_report, 'identical' if not differences else 'DIFFERENT'))
        for line in differences[:40]:
            print('  ' + line)
        return 1 if differences else 0
    return 0


def _read_json(path):
    if not os.path.exists(path):
        return None
    with open(path, encoding='utf-8') as handle:
        return json.load(handle)


if __name__ == '__main__':
    sys.exit(main())
