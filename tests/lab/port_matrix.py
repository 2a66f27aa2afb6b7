# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lab helpers for the network-matrix namespace tests (run them with ``ip netns exec``).

``listen``: the simulated win_port_listener (the same code the WinRM simulation runs) opens its sockets in this
namespace, prints its facts as one JSON line, and lives until the sockets expire (a stand-in for the node).
``probe``: port_check's own POSIX engine and evaluator (``run_posix``, what the module runs on a delegated vantage
point) probes the targets of a JSON file from this namespace and prints the result as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from tests.lab.collection import port_check
from tests.lab.sim_responders import win_port_listener


def main(argv=None):
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest='command', required=True)
    listen = sub.add_parser('listen')
    listen.add_argument('--seconds', type=int, required=True)
    listen.add_argument('--ports', required=True, help='tcp:80,udp:161,...')
    probe = sub.add_parser('probe')
    probe.add_argument('--params', required=True, help='JSON file with the port_check parameters')
    args = parser.parse_args(argv)
    if args.command == 'listen':
        ports = [{'proto': item.split(':')[0], 'port': int(item.split(':')[1])} for item in args.ports.split(',') if item]
        facts = win_port_listener.respond({}, {'ports': ports, 'duration_s': args.seconds}, node={'address': '0.0.0.0'})
        print(json.dumps(facts), flush=True)
        time.sleep(args.seconds + 0.5)
        return 0
    with open(args.params, encoding='utf-8') as handle:
        params = json.load(handle)
    defaults = {'timeout': 1.0, 'retries': 1, 'concurrency': 256, 'deadline': 60.0, 'snmp_community': 'public', 'tls_min_days': 30}
    print(json.dumps(port_check.run_posix(dict(defaults, **params)), default=str))
    return 0


if __name__ == '__main__':
    sys.exit(main())
