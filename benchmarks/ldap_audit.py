# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""LDAP audit benchmark: ldap_attribute_check's audit vs ldapsearch -E pr=1000/noprompt on the same slapd.

For each size (default 10,000 and 100,000 users) a throwaway slapd on loopback is loaded with slapadd;
the module's audit of all mapped attributes (in a child process, to measure its peak RSS: VmHWM, since
getrusage's ru_maxrss of a child counts the parent's memory at fork time) and
ldapsearch fetching the same attributes over LDAPS with paging run side by side. Prints, best of
``--repeat`` runs: the audit's wall time inside its process (connect, TLS facts, bind, root DSE and schema,
every container streamed and counted) and ldapsearch's wall time (its whole process), their ratio; the
audit process's wall time including Python's start and imports, and its ratio; users counted; peak RSS.

    .venv/bin/python benchmarks/ldap_audit.py [--sizes 10000 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from tests.lab.lab import collections_path  # noqa: E402  pylint: disable=wrong-import-position
from tests.lab.slapd import BIND_DN, BIND_PW, Slapd  # noqa: E402  pylint: disable=wrong-import-position

ATTRIBUTES = ['uid', 'givenName', 'sn', 'departmentNumber', 'employeeNumber', 'entryUUID', 'mail', 'modifyTimestamp', 'entryCSN']
CHILD = r'''
import json, sys, time
sys.path.insert(0, %(collections)r)
from ansible_collections.safeq.preflight.plugins.module_utils.ldap import _ldap_audit as ldap_audit  # what the module imports
options = json.loads(sys.argv[1])
started = time.perf_counter()
audit = ldap_audit.audit(options)
print(json.dumps({'seconds': time.perf_counter() - started, 'users': audit['totals']['users'],
                  'maxrss_kb': int(next(l for l in open('/proc/self/status') if l.startswith('VmHWM:')).split()[1])}))
'''


def _audit(server, info):
    options = {'servers': [server.host], 'port': server.ldaps_port, 'security': 'ldaps', 'ca_file': info['ca_file'], 'validate_certs': True,
               'bind_dn': BIND_DN, 'bind_password': BIND_PW, 'domains': ['lab.test'], 'base_dns': info['containers'][:2], 'user_filter': None,
               'directory_type': 'openldap', 'attributes': {}, 'thresholds': {}, 'page_size': 1000, 'sample_size': 5, 'timeout': 30.0}
    started = time.perf_counter()
    child = CHILD % {'collections': collections_path(os.path.join(REPO, 'tests', 'lab', 'run'))}
    proc = subprocess.run([sys.executable, '-c', child, json.dumps(options)], capture_output=True, text=True, check=True)
    result = json.loads(proc.stdout)
    result['wall'] = time.perf_counter() - started
    return result


def _ldapsearch(server, info):
    env = dict(os.environ, LDAPTLS_CACERT=info['ca_file'])
    started = time.perf_counter()
    users = 0
    for base in info['containers'][:2]:
        proc = subprocess.run(['ldapsearch', '-LLL', '-H', 'ldaps://%s:%d' % (server.host, server.ldaps_port), '-x', '-D', BIND_DN, '-w', BIND_PW,
                               '-b', base, '-E', 'pr=1000/noprompt', '(objectClass=inetOrgPerson)'] + ATTRIBUTES,
                              capture_output=True, text=True, env=env, check=True)
        users += proc.stdout.count('\ndn: ') + proc.stdout.startswith('dn: ')
    return {'wall': time.perf_counter() - started, 'users': users}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--sizes', type=int, nargs='+', default=[10000, 100000])
    parser.add_argument('--repeat', type=int, default=3)
    options = parser.parse_args(argv)
    if shutil.which('ldapsearch') is None or shutil.which('slapd') is None:
        sys.exit('slapd and ldapsearch are needed: make system-deps')
    print('%8s %9s %13s %7s %11s %8s %9s %13s' % ('users', 'audit s', 'ldapsearch s', 'ratio', 'process s', 'ratio', 'counted', 'peak RSS MiB'))
    for size in options.sizes:
        workdir = tempfile.mkdtemp(prefix='sqbench-ldap-')
        try:
            with Slapd(workdir, '127.0.0.38', users=size, dataset={'secret_users': 0}) as server:
                info = server.describe()
                audits = [_audit(server, info) for dummy in range(options.repeat)]
                searches = [_ldapsearch(server, info) for dummy in range(options.repeat)]
            audit = min(a['seconds'] for a in audits)
            process = min(a['wall'] for a in audits)
            search = min(s['wall'] for s in searches)
            peak = max(a['maxrss_kb'] for a in audits) / 1024.0
            print('%8d %9.3f %13.3f %6.2fx %11.3f %7.2fx %9d %13.1f'
                  % (size, audit, search, audit / search, process, process / search, audits[0]['users'], peak))
            assert all(a['users'] == size for a in audits) and all(s['users'] == size for s in searches), (audits, searches)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
