# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Port sweep benchmark: port_check vs nmap -sT vs an ansible.builtin.wait_for loop, side by side.

A namespace host (198.18.4.2) has 200 TCP ports: 100 dropped by nftables, 50 rejected with a TCP
reset, 50 open (real listeners). From the client namespace, each tool sweeps them at a 1 s timeout
and no retries:
  - port_check's engine in a fresh Python process (what the module runs, process start included);
  - port_check through ansible-playbook (controller, local connection, one task);
  - nmap -sT -Pn -n with its RTT timeout pinned to 1 s and --max-retries 0;
  - ansible.builtin.wait_for in a loop over the 200 ports (timeout 1 s each).
Prints the wall times, the ratios, and whether port_check's state equals nmap's for every port.
Run as root (network namespaces):  .venv/bin/python benchmarks/port_sweep.py [--repeat 3] [--skip-wait-for]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from tests.lab import lab  # noqa: E402  pylint: disable=wrong-import-position
from tests.lab.netns import NamespacePair  # noqa: E402  pylint: disable=wrong-import-position

SERVER = '198.18.4.2'
OPEN, REJECT, DROP = range(20001, 20051), range(20051, 20101), range(20101, 20201)
PORTS = list(OPEN) + list(REJECT) + list(DROP)
ENGINE = r'''
import json, sys
sys.path.insert(0, %(repo)r)
from tests.lab.collection import port_check
r = port_check.run_posix({'targets': [{'host': %(server)r, 'port': '20001-20200'}], 'timeout': 1.0, 'retries': 0,
                          'concurrency': 256, 'deadline': 60.0, 'snmp_community': 'public', 'tls_min_days': 30})
print(json.dumps({str(x['port']): x['state'] for x in r['results']}))
'''


def _timed(pair, args, timeout=900):
    started = time.perf_counter()
    proc = pair.run('a', args, timeout=timeout)
    seconds = time.perf_counter() - started
    if proc.returncode:
        raise SystemExit('%s failed: %s' % (args[0], proc.stderr[-2000:] or proc.stdout[-2000:]))
    return seconds, proc.stdout


def _nmap_states(xml_text):
    root = ET.fromstring(xml_text)
    states = {port.get('portid'): port.find('state').get('state') for port in root.iter('port')}
    for extra in root.iter('extraports'):
        # nmap folds a state with many ports into <extraports>; its <extrareasons ports="a-b,c"> lists them.
        for reason in extra.iter('extrareasons'):
            for part in (reason.get('ports') or '').split(','):
                if part:
                    low, dummy, high = part.partition('-')
                    for port in range(int(low), int(high or low) + 1):
                        states[str(port)] = extra.get('state')
    return states


def _playbook(tmp, name, tasks):
    path = os.path.join(tmp, name)
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump([{'name': name, 'hosts': 'ctl', 'gather_facts': False, 'tasks': tasks}], handle)
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--skip-wait-for', action='store_true', help='the wait_for loop takes about 2 minutes')
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix='port-sweep-')
    with NamespacePair('psweep', '198.18.4') as pair:
        pair.rule('tcp dport 20051-20100 reject with tcp reset')
        pair.rule('tcp dport 20101-20200 drop')
        listener = pair.popen('b', [sys.executable, '-c', 'import socket, time\nsocks = []\nfor p in range(20001, 20051):\n'
                                    '    s = socket.socket(); s.bind((%r, p)); s.listen(64); socks.append(s)\ntime.sleep(3600)' % SERVER])
        try:
            time.sleep(1.0)
            inventory = lab.write_inventory(os.path.join(tmp, 'inv.yml'),
                                            {'ctl': {'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable}})
            env = lab.ansible_env(tmp)
            playbook_cmd = ['env'] + ['%s=%s' % item for item in env.items() if item[0].startswith('ANSIBLE_') or item[0] == 'PATH'] + [
                os.path.join(lab.VENV_BIN, 'ansible-playbook'), '-i', inventory]
            port_check_book = _playbook(tmp, 'port_check.json', [{'name': 'sweep', 'safeq.preflight.port_check': {
                'targets': [{'host': SERVER, 'port': '20001-20200'}], 'timeout': 1.0, 'retries': 0}}])
            wait_for_book = _playbook(tmp, 'wait_for.json', [{'name': 'sweep', 'ansible.builtin.wait_for': {
                'host': SERVER, 'port': '{{ item }}', 'timeout': 1}, 'loop': PORTS, 'ignore_errors': True}])
            nmap = ['nmap', '-sT', '-Pn', '-n', '-p', '20001-20200', '--max-retries', '0', '--initial-rtt-timeout', '1000ms',
                    '--min-rtt-timeout', '1000ms', '--max-rtt-timeout', '1000ms', '-oX', '-', SERVER]
            times = {'port_check engine': [], 'port_check playbook': [], 'nmap -sT': []}
            agreement = []
            for dummy in range(args.repeat):
                seconds, out = _timed(pair, [sys.executable, '-c', ENGINE % {'repo': REPO, 'server': SERVER}])
                ours = json.loads(out)
                times['port_check engine'].append(seconds)
                seconds, out = _timed(pair, nmap)
                times['nmap -sT'].append(seconds)
                theirs = _nmap_states(out)
                agreement.append(sum(1 for port in PORTS if ours[str(port)] == theirs.get(str(port))))
                times['port_check playbook'].append(_timed(pair, playbook_cmd + [port_check_book])[0])
            expected = {str(p): 'open' for p in OPEN} | {str(p): 'closed' for p in REJECT} | {str(p): 'filtered' for p in DROP}
            truth = sum(1 for port in PORTS if ours[str(port)] == expected[str(port)])
            if not args.skip_wait_for:
                times['wait_for loop'] = [_timed(pair, playbook_cmd + [wait_for_book], timeout=1800)[0]]
        finally:
            listener.terminate()
            listener.wait(10)
    median = {name: statistics.median(values) for name, values in times.items()}
    print('port sweep: %d TCP ports (%d open, %d reset, %d dropped), timeout 1 s, no retries, median of %d runs'
          % (len(PORTS), len(OPEN), len(REJECT), len(DROP), args.repeat))
    for name, value in median.items():
        print('  %-22s %7.2f s   (runs: %s)' % (name, value, ', '.join('%.2f' % v for v in times[name])))
    print('  port_check engine / nmap -sT        = %.2fx  (target <= 1.2x)' % (median['port_check engine'] / median['nmap -sT']))
    print('  port_check playbook / nmap -sT      = %.2fx  (ansible-playbook start-up included)'
          % (median['port_check playbook'] / median['nmap -sT']))
    if 'wait_for loop' in median:
        print('  wait_for loop / port_check playbook = %.1fx  (target >= 50x)' % (median['wait_for loop'] / median['port_check playbook']))
    print('  agreement with nmap: %s of %d ports per run; with the rules: %d of %d' % (agreement, len(PORTS), truth, len(PORTS)))


if __name__ == '__main__':
    main()
