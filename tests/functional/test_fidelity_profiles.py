# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Authored fidelity profiles (tests/lab/profiles/*.yml) through ansible-playbook, the exec wrapper and the WinRM simulation.

Each expected verdict is written from how Windows behaves (see the profile headers and
/work/shared/reference/windows-fidelity.md sections 4, 5, 8, 11 and 12), not from the code:
- a German Server 2016 is a supported server; its German hotfix dates are read (the newest is 12.11.2026);
  a second-hop denial in German is "could not evaluate", never a failure of the share;
- a Windows 11 client is not a server; without ServerManager its optional features are read: IIS enabled but
  not on TCP 80 is a warning, the LPD print service disabled is no LPD, SMB 1.0 disabled meets a site's absent list;
- a Server 2016 has SMB 1.0 (FS-SMB1) installed by default: a site that lists it as absent gets a failure;
- a server without Defender but with another antivirus filter driver names it and leaves its exclusions to a person
  (manual), never pass;
- a domain controller's LDAP on TCP 389 is a warning (SafeQ moves its internal LDAP to 390), naming lsass and its services;
- an outdated per-user Chrome beside a current Firefox is a warning that names both versions;
- a Server Core installation is a warning (the installer and the browser need the desktop);
- a non-administrator connection is not an admin, and hidden Defender exclusions are "could not evaluate";
- a local account in the Czech "BUILTIN\\Správci" connected over WinRM has a token filtered by remote UAC: not elevated,
  the group's name arriving intact; with become (runas) as "Jiří Novák" the token is elevated and both names arrive intact;
- SQL Server client parts among 61 programs are not a database server; the agents are unlisted software;
- (issue 10) a Defender provider that does not answer is unknown, not "another antivirus"; an empty EditionID is unknown;
  a reboot waiting after Install-WindowsFeature is pending; a program on TCP 5015 holds a port of the 5014-5019 range;
  a Hyper-V port exclusion over a SafeQ port fails; without features and services the TCP 80 listener proves nothing;
  a node 5 minutes fast gets the clock advisory; the Windows Update search fails on a missing update, errors offline;
  without an installed cumulative update (Server 2012 R2, or QFE rows only) a recent servicing stack or other single update
  never proves the patch level: a warning, never a pass; a Windows Update search job that outlasts the timeout is aborted
  and is an error, one that completes in time is read.
"""

from __future__ import annotations

import glob
import json
import os

import yaml

from tests.lab import lab
from tests.lab.winrm_sim import SimulatedNodes

PROFILES = sorted(glob.glob(os.path.join(lab.REPO_ROOT, 'tests', 'lab', 'profiles', '*.yml')))
SHARE = '\\\\files.lab.test\\safeq-install'


def _statuses(result):
    """The first finding per entry (an entry may carry a second one: the clock advisory, the Windows Update search)."""
    found = {}
    for item in result.get('findings', []):
        found.setdefault(item['id'], (item['status'], item['reason']))
    return found


def _reasons(result, entry_id):
    item = next(f for f in result.get('findings', []) if f['id'] == entry_id)
    return item.get('reasons') or [item['reason']]


def _all(result, entry_id):
    return [(f['status'], f['reason']) for f in result.get('findings', []) if f['id'] == entry_id]


def test_authored_profiles_give_the_verdicts_windows_behaviour_implies(tmp_path):
    with SimulatedNodes(PROFILES) as nodes:
        inventory = lab.write_inventory(str(tmp_path / 'inventory.yml'), nodes.inventory()['all']['children']['safeq_nodes']['hosts'])
        playbook = tmp_path / 'play.yml'
        playbook.write_text(yaml.safe_dump([
            {'name': 'nodes', 'hosts': 'safeq_nodes', 'gather_facts': False, 'tasks': [
                {'name': 'server', 'register': 'server', 'ignore_errors': True, 'safeq.preflight.server_check': {
                    'share': SHARE, 'patch_max_age_days': 3650, 'browser_min_versions': {'chrome': '140', 'edge': '140', 'firefox': '140'},
                    'windows_update_search': "{{ inventory_hostname in ['de2016', 'win11', 'r2ssu'] }}"}},
                {'name': 'features', 'register': 'features', 'ignore_errors': True, 'safeq.preflight.windows_feature_check': {
                    'absent': ['Web-Server', 'Print-LPD-Service', 'fs-smb1'], 'site_features': ['embedded_xerox', 'embedded_km']}}]},
            {'name': 'collect', 'hosts': 'localhost', 'gather_facts': False, 'tasks': [
                {'name': 'write', 'ansible.builtin.copy': {'dest': str(tmp_path / 'out.json'), 'content': (
                    "{{ dict(groups.safeq_nodes | zip(groups.safeq_nodes | map('extract', hostvars)"
                    " | map('dict2items') | map('selectattr', 'key', 'in', ['server', 'features']) | map('items2dict'))) | to_json }}")}}]}]))
        proc = lab.run_playbook(str(tmp_path), inventory, playbook=str(playbook))
        runs = {name: [entry['module'] for entry in nodes.commands(name)] for name in nodes.nodes}
    assert (tmp_path / 'out.json').exists(), proc.stdout[-3000:] + proc.stderr[-2000:]
    out = json.loads((tmp_path / 'out.json').read_text())
    assert set(out) == {'de2016', 'cs2016', 'win11', 'nodefender', 'notadmin', 'programs', 'r2ssu'}
    assert all(run == ['win_server_facts', 'win_feature_facts'] for run in runs.values()), runs
    server = {name: _statuses(out[name]['server']) for name in out}
    features = {name: _statuses(out[name]['features']) for name in out}

    de = server['de2016']
    assert de['server.supported-platform'] == ('pass', 'supported-build')
    assert de['server.admin-rights'] == ('pass', 'elevated-admin')
    # only QFE rows (its servicing store lists no cumulative update): read, but a single update never proves the patch level
    assert de['server.security-patches'] == ('warn', 'patch-level-unproven')
    assert '2026-11-12' in next(f['detail'] for f in out['de2016']['server']['findings'] if f['id'] == 'server.security-patches')
    assert de['server.shared-folder'] == ('error', 'access-denied')
    assert de['server.web-browser'] == ('warn', 'outdated-browser-present')
    assert 'Google Chrome 109.0.5414.120 (per user S-1-5-21-' in next(
        f['detail'] for f in out['de2016']['server']['findings'] if f['id'] == 'server.web-browser')
    assert server['nodefender']['server.web-browser'] == ('pass', 'browser-present')
    assert de['server.antivirus'] == ('pass', 'install-dir-excluded')

    assert server['win11']['server.supported-platform'] == ('fail', 'client-os')
    assert features['win11']['server.no-lpd-with-print-server'] == ('pass', 'lpd-absent')
    assert features['win11']['server.no-web-server-port-80'] == ('warn', 'web-server-installed')
    # Hyper-V/WSL 2 reserved TCP 9602-9701 (ipv4 and ipv6): SafeQ cannot bind 9696 there
    assert features['win11']['server.no-interfering-software'] == ('fail', 'port-excluded')
    win11_interfering = next(f['detail'] for f in out['win11']['features']['findings'] if f['id'] == 'server.no-interfering-software')
    assert 'ipv4 TCP 9602-9701' in win11_interfering
    assert 'dynamic port range of Windows (ipv4 TCP 1025-65535' in win11_interfering  # the profile's lowered range
    assert features['de2016']['server.no-interfering-software'] == ('fail', 'feature-policy')
    assert 'FS-SMB1' in next(f['detail'] for f in out['de2016']['features']['findings'] if f['id'] == 'server.no-interfering-software')

    assert server['nodefender']['server.antivirus'] == ('manual', 'third-party-av')
    assert 'eamonm' in next(f['detail'] for f in out['nodefender']['server']['findings'] if f['id'] == 'server.antivirus')

    assert server['notadmin']['server.admin-rights'] == ('fail', 'not-admin')
    assert server['cs2016']['server.admin-rights'] == ('fail', 'not-elevated')
    czech = next(f['detail'] for f in out['cs2016']['server']['findings'] if f['id'] == 'server.admin-rights')
    assert 'CS2016\\spravce is in BUILTIN\\Správci (S-1-5-32-544)' in czech, czech
    assert server['notadmin']['server.supported-platform'] == ('warn', 'server-core')
    assert server['nodefender']['server.supported-platform'] == ('pass', 'supported-build')
    assert features['nodefender']['server.no-interfering-software'] == ('warn', 'ldap-port-on-domain-controller')
    assert 'lsass (pid 712; services EFS, KeyIso, Netlogon, NTDS' in next(
        f['detail'] for f in out['nodefender']['features']['findings'] if f['id'] == 'server.no-interfering-software')
    assert server['notadmin']['server.antivirus'] == ('error', 'exclusions-hidden')
    # Get-WindowsFeature and the Service Control Manager refuse a non-administrator: the TCP 80 listener alone is no pass
    assert features['notadmin']['server.no-web-server-port-80'] == ('error', 'web-server-unknown')
    # a feature was installed without -Restart: ServerManager CurrentRebootAttempts alone is a pending reboot
    assert _reasons(out['notadmin']['server'], 'server.security-patches') == ['patch-level-unproven', 'reboot-pending']

    # the Defender provider did not answer (0x800706BA): unknown, not "another antivirus"; EditionID empty: unknown
    assert server['programs']['server.antivirus'] == ('error', 'defender-unreadable')
    assert server['programs']['server.supported-platform'] == ('error', 'edition-unknown')
    assert server['nodefender']['server.antivirus'] == ('manual', 'third-party-av'), 'the invalid namespace still means no Defender'

    # clock advisory: the de2016 node runs 5 minutes fast (clock_offset_s 300 in its profile), the others are in sync
    assert ('warn', 'clock-offset') in _all(out['de2016']['server'], 'server.hardware-minimum')
    assert ('pass', 'clock-in-sync') in _all(out['win11']['server'], 'server.hardware-minimum')
    # Windows Update search asked on de2016 (the profile has its answer: one Critical security update missing) and on win11
    # (no answer: the node is offline, the section fails): fail and error, never a pass; not asked elsewhere
    assert ('fail', 'security-updates-missing') in _all(out['de2016']['server'], 'server.security-patches')
    assert ('error', 'update-search-failed') in _all(out['win11']['server'], 'server.security-patches')
    # r2ssu's search job hangs past the timeout (its WSUS never answers): aborted, an error, never the answer it would have had
    assert ('error', 'update-search-failed') in _all(out['r2ssu']['server'], 'server.security-patches')
    assert any('RequestAbort sent' in f['detail'] for f in out['r2ssu']['server']['findings'] if f['id'] == 'server.security-patches')
    assert len(_all(out['programs']['server'], 'server.security-patches')) == 1

    # two PendingFileRenameOperations, and a QFE row alone does not prove the patch level
    assert _reasons(out['programs']['server'], 'server.security-patches') == ['patch-level-unproven', 'reboot-pending']
    # Server 2012 R2: a recent servicing stack update (Package_for_KB*) beside a year-old monthly rollup never passes
    assert server['r2ssu']['server.security-patches'] == ('warn', 'patch-level-unproven')
    assert 'KB5068700 (2026-10-13)' in next(f['detail'] for f in out['r2ssu']['server']['findings'] if f['id'] == 'server.security-patches')
    many = features['programs']
    # a scan agent holds TCP 5015, inside the Konica Minolta row 5014-5019 (a range row of the port table)
    assert many['server.no-interfering-software'] == ('fail', 'port-in-use')
    interfering = next(f for f in out['programs']['features']['findings'] if f['id'] == 'server.no-interfering-software')
    assert 'TCP 5015' in interfering['detail'] and 'database-present' not in interfering['observed']['problems']
    other = next(f for f in out['programs']['features']['findings'] if f['id'] == 'server.no-other-software')
    assert other['status'] == 'warn' and 'Veeam Agent for Microsoft Windows' in other['observed']
    # baseline is specific Windows and runtime components, not every Microsoft product
    assert 'Microsoft SQL Server 2012 Native Client' in other['observed'] and 'Microsoft ODBC Driver 18 for SQL Server' in other['observed']
    assert not [name for name in other['observed'] if name.startswith(('Microsoft Visual C++', 'Microsoft Edge'))]
    assert len(out['programs']['features']['facts']['software']) >= 50


def _verdicts(tmp_path, profiles, name):
    with SimulatedNodes(profiles) as nodes:
        hosts = nodes.inventory()['all']['children']['safeq_nodes']['hosts']
        inventory = lab.write_inventory(str(tmp_path / ('inv-%s.yml' % name)), hosts)
        playbook = tmp_path / ('verdicts-%s.yml' % name)
        playbook.write_text(yaml.safe_dump([
            {'name': 'nodes', 'hosts': 'safeq_nodes', 'gather_facts': False, 'tasks': [
                {'name': 'server', 'safeq.preflight.server_check': {'share': SHARE}, 'register': 'server', 'ignore_errors': True},
                {'name': 'write', 'delegate_to': 'localhost', 'ansible.builtin.copy': {
                    'dest': str(tmp_path / ('%s-{{ inventory_hostname }}.json' % name)), 'content': '{{ server | to_json }}'}}]}]))
        proc = lab.run_playbook(str(tmp_path), inventory, playbook=str(playbook))
    results = {}
    for path in glob.glob(str(tmp_path / ('%s-*.json' % name))):
        results[os.path.basename(path)[len(name) + 1:-5]] = _statuses(json.loads(open(path, encoding='utf-8').read()))
    assert results, proc.stdout[-3000:]
    return results


def test_record_playbook_writes_a_sanitised_profile_the_simulation_serves_with_the_same_verdicts(tmp_path):
    """playbooks/record_node_profile.yml against a simulated node stands in for a real host: the recorded profile
    replaces the user, domain, host names and addresses, validates, and gives the verdicts the original gives."""
    original = os.path.join(lab.REPO_ROOT, 'tests', 'lab', 'demo', 'nodes', 'cml2.yml')
    record_dir = tmp_path / 'recorded'
    with SimulatedNodes([original]) as nodes:
        inventory = lab.write_inventory(str(tmp_path / 'inventory.yml'), nodes.inventory()['all']['children']['safeq_nodes']['hosts'],
                                        {'safeq_install_share': SHARE})
        proc = lab.run_playbook(str(tmp_path), inventory, playbook=os.path.join(lab.REPO_ROOT, 'playbooks', 'record_node_profile.yml'),
                                args=['-e', 'safeq_record_dir=%s' % record_dir])
        runs = [entry['module'] for entry in nodes.commands('cml2')]
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert runs == ['win_server_facts', 'win_feature_facts']
    text = (record_dir / 'node1.yml').read_text()
    for identifying in ('CML2', 'installer', '198.18.0.12', 'Demo-Passw0rd'):
        assert identifying not in text, identifying
    recorded = yaml.safe_load(text)
    assert recorded['name'] == 'node1' and recorded['probes']['win_feature_facts']['software'][0]['name'] == 'PaperCut MF'
    recorded.update(name='cml2', address='127.0.0.77')
    (tmp_path / 'served.yml').write_text(yaml.safe_dump(recorded))
    assert _verdicts(tmp_path, [str(tmp_path / 'served.yml')], 'recorded') == _verdicts(tmp_path, [original], 'original')


def test_non_ascii_become_user_and_group_arrive_intact(tmp_path):
    """runas as the local account "Jiří Novák" (cs-server2016.yml): its full token is elevated, and the user and the Czech
    group name travel through the exec wrapper, the simulation and the evaluator unchanged."""
    profile = os.path.join(lab.REPO_ROOT, 'tests', 'lab', 'profiles', 'cs-server2016.yml')
    with SimulatedNodes([profile]) as nodes:
        hosts = nodes.inventory()['all']['children']['safeq_nodes']['hosts']
        hosts['cs2016'].update(ansible_become=True, ansible_become_method='runas', ansible_become_user='CS2016\\Jiří Novák',
                               ansible_become_password='Fidelity-cs2016-jn')
        inventory = lab.write_inventory(str(tmp_path / 'inventory.yml'), hosts)
        playbook = tmp_path / 'play.yml'
        playbook.write_text(yaml.safe_dump([{'name': 'nodes', 'hosts': 'safeq_nodes', 'gather_facts': False, 'tasks': [
            {'name': 'server', 'safeq.preflight.server_check': {}, 'register': 'server', 'ignore_errors': True},
            {'name': 'write', 'delegate_to': 'localhost', 'ansible.builtin.copy': {
                'dest': str(tmp_path / 'out.json'), 'content': '{{ server | to_json }}'}}]}], allow_unicode=True), encoding='utf-8')
        proc = lab.run_playbook(str(tmp_path), inventory, playbook=str(playbook))
        log = nodes.commands('cs2016')
    assert (tmp_path / 'out.json').exists(), proc.stdout[-3000:] + proc.stderr[-2000:]
    out = json.loads((tmp_path / 'out.json').read_text(encoding='utf-8'))
    admin = next(f for f in out['findings'] if f['id'] == 'server.admin-rights')
    assert (admin['status'], admin['reason']) == ('pass', 'elevated-admin')
    assert admin['detail'].startswith('CS2016\\Jiří Novák is a member of BUILTIN\\Správci (S-1-5-32-544)'), admin['detail']
    assert out['facts']['user'] == 'CS2016\\Jiří Novák' and log[0]['become_user'] == 'CS2016\\Jiří Novák'
