# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""make demo: start the local lab, run the full pre-installation check, print where the report is, stop the lab.

The lab: three simulated CML nodes behind a WS-Management (WinRM) simulation on 127.0.0.11-13
(cml1 prepared, cml2 misconfigured, cml3 switched off), a simulated SQL Server (SQL Browser on
UDP 1434 and a TDS PRELOGIN listener) on 127.0.0.20, and a real OpenLDAP slapd on 127.0.0.30 whose
generated directory has known defects. Exits with ansible-playbook's exit code.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import os
import shutil
import socket
import sys
import threading

import yaml

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from tests.lab import lab  # noqa: E402  pylint: disable=wrong-import-position
from tests.lab.slapd import BIND_DN, BIND_PW, Slapd  # noqa: E402  pylint: disable=wrong-import-position
from tests.lab.sql_responder import SqlBrowserResponder  # noqa: E402  pylint: disable=wrong-import-position
from tests.lab.winrm_sim import SimulatedNodes  # noqa: E402  pylint: disable=wrong-import-position

NODES = sorted(glob.glob(os.path.join(lab.REPO_ROOT, 'tests', 'lab', 'demo', 'nodes', '*.yml')))
SITE = os.path.join(lab.REPO_ROOT, 'tests', 'lab', 'demo', 'site.yml')
NODE_VARS = os.path.join(lab.REPO_ROOT, 'tests', 'lab', 'demo', 'node_vars.yml')
SQL = os.path.join(lab.REPO_ROOT, 'tests', 'lab', 'demo', 'sql.yml')


@contextlib.contextmanager
def running_services(services):
    """TCP services of peers that already run (``lab_services`` of --vars: ``[{host, port}]``, for example the CRS's reporting
    port): each accepts and closes connections until the lab stops."""
    sockets = []
    try:
        for item in services or ():
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((item['host'], int(item['port'])))
            except PermissionError:  # a port below 1024 without root: the flow to it is judged as nothing answering
                print('note: the lab cannot listen on %s:%s without root; flows to it will fail' % (item['host'], item['port']))
                sock.close()
                continue
            sock.listen(16)
            sockets.append(sock)
            threading.Thread(target=_accept, args=(sock,), daemon=True).start()
        yield sockets
    finally:
        for sock in sockets:
            sock.close()


def _accept(sock):
    while True:
        try:
            conn, dummy = sock.accept()
        except OSError:
            return
        conn.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--waivers', help='YAML file with safeq_waivers to apply')
    parser.add_argument('--report-dir', default=os.path.join(os.getcwd(), 'reports'))
    parser.add_argument('--check', action='store_true', help='run the playbook with --check')
    parser.add_argument('--vars', help='YAML file with further site variables (for example every feature and peer)')
    parser.add_argument('--vantage', action='append', default=[], metavar='PEER',
                        help='declare the controller as the vantage point of this peer network (group safeq_vantage_PEER); repeatable '
                             '(default: workstation)')
    parser.add_argument('--no-vantage', action='store_true', help='declare no vantage point: the flows from peer networks stay manual')
    parser.add_argument('ansible_args', nargs='*', help='extra ansible-playbook arguments (after --)')
    options = parser.parse_args(argv)
    # The controller stands in for the workstation network by default, so the report shows the flow matrix and writes the
    # firewall change request (docs/network-matrix.md); the lab's loopback addresses enforce no firewall.
    options.vantage = [] if options.no_vantage else (options.vantage or ['workstation'])

    run_dir = os.path.join(lab.REPO_ROOT, 'tests', 'lab', 'run')
    shutil.rmtree(run_dir, ignore_errors=True)
    os.makedirs(run_dir)
    with open(SITE, encoding='utf-8') as handle:
        site = yaml.safe_load(handle)
    site['safeq_report_dir'] = options.report_dir
    if options.vars:
        with open(options.vars, encoding='utf-8') as handle:
            site.update(yaml.safe_load(handle))
    # The directory's standard LDAPS port: slapd serves LDAPS on a free port of 127.0.0.30 (its TLS handshake is probed there,
    # below), so a stand-in accepts on 636, where the flow CML -> LDAP derived from the checklist's row must find the
    # directory answering (an existing server must answer: docs/network-matrix.md).
    services = site.pop('lab_services', []) + [{'host': '127.0.0.30', 'port': 636}]
    if options.waivers:
        with open(options.waivers, encoding='utf-8') as handle:
            site.update(yaml.safe_load(handle))

    with open(SQL, encoding='utf-8') as handle:
        sql = yaml.safe_load(handle)
    print('Starting the lab: %d simulated CML nodes (WinRM simulation), a simulated SQL Server on %s, slapd ...'
          % (len(NODES), site['safeq_db_host']))
    with SimulatedNodes(NODES, log_path=os.path.join(run_dir, 'winrm-requests.jsonl')) as nodes, \
            SqlBrowserResponder(site['safeq_db_host'], 1434, sql['instances']) as database, \
            Slapd(os.path.join(run_dir, 'slapd'), '127.0.0.30', users=500) as directory, \
            running_services(services):
        ldap = directory.describe()
        site.update(safeq_ldap_servers=[ldap['host']], safeq_ldap_port=ldap['ldaps_port'], safeq_ldap_ca_file=ldap['ca_file'],
                    safeq_ldap_bind_dn=BIND_DN, safeq_ldap_bind_password=BIND_PW, safeq_ldap_domains=['lab.test'],
                    safeq_ldap_base_dns=ldap['containers'][:2],
                    # The checklist's LDAPS row, probed from each node with a TLS handshake (the lab's slapd uses a free port, not 636).
                    safeq_port_targets=[{'host': ldap['host'], 'port': ldap['ldaps_port'], 'probe': 'tls', 'entry': 'net.other.tcp-636-cml-ldap'}])
        hosts = nodes.inventory()['all']['children']['safeq_nodes']['hosts']
        with open(NODE_VARS, encoding='utf-8') as handle:
            node_vars = yaml.safe_load(handle)
        hosts = {name: dict(node_vars, **host) for name, host in hosts.items()}
        inventory = lab.write_inventory(os.path.join(run_dir, 'inventory.yml'), hosts, site)
        if options.vantage:
            with open(inventory, encoding='utf-8') as handle:
                data = yaml.safe_load(handle)
            for peer in options.vantage:  # the controller probes the flows from that network (docs/network-matrix.md)
                data['all']['children']['safeq_vantage_' + peer] = {'hosts': {'localhost': {
                    'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable}}}
            with open(inventory, 'w', encoding='utf-8') as handle:
                yaml.safe_dump(data, handle, sort_keys=False)
        for name, host in sorted(hosts.items()):
            print('  %s  winrm http://%s:%s/wsman' % (name, host['ansible_host'], host['ansible_port']))
        for instance in database.describe()['instances']:
            print('  SQL Server %s\\%s  Browser UDP 1434, TDS TCP %s' % (site['safeq_db_host'], instance['name'], instance['tcp_port']))
        containers = ', '.join(ldap['containers'][:2])
        print('  slapd ldaps://%s:%d  %d users in %s' % (ldap['host'], ldap['ldaps_port'], ldap['truth']['visible_users'], containers))
        args = (['--check'] if options.check else []) + list(options.ansible_args)
        print('\nansible-playbook -i %s playbooks/preinstall_check.yml %s\n' % (os.path.relpath(inventory), ' '.join(args)))
        sys.stdout.flush()
        proc = lab.run_playbook(run_dir, inventory, args=args, capture=False)
    print('\nLab stopped. Reports: %s/safeq-preflight.{html,md,json,junit.xml}' % options.report_dir)
    print('ansible-playbook exited with %d (%s).' % (proc.returncode, 'blocked' if proc.returncode else 'passed'))
    return proc.returncode


if __name__ == '__main__':
    sys.exit(main())
