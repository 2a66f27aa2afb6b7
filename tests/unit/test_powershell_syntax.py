# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PowerShell gate: every gather module (plugins/modules/*.ps1) and util (plugins/module_utils/*.psm1) parses and
follows the collection's PowerShell rules.

No pwsh exists on Linux CI (so ansible-test's pslint and validate-modules skip the .ps1 files), so the files are
parsed with tree-sitter-powershell, and the rules below are checked on the text.
"""

from __future__ import annotations

import glob
import json
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULES = sorted(glob.glob(os.path.join(ROOT, 'plugins', 'modules', '*.ps1')))
UTILS = sorted(glob.glob(os.path.join(ROOT, 'plugins', 'module_utils', '*.psm1')))
SCHEMAS = os.path.join(ROOT, 'tests', 'lab', 'schemas')
UTIL_RE = re.compile(r'(?im)^#AnsibleRequires -PowerShell \.\.module_utils\.(?P<name>[\w.]+)\s*$')


def _parser():
    tree_sitter = pytest.importorskip('tree_sitter')
    tsp = pytest.importorskip('tree_sitter_powershell')
    return tree_sitter.Parser(tree_sitter.Language(tsp.language()))


def _errors(node, source):
    found = []
    if node.type == 'ERROR' or node.is_missing:
        found.append('line %d: %r' % (node.start_point[0] + 1, source[node.start_byte:node.end_byte][:60]))
    for child in node.children:
        found += _errors(child, source)
    return found


def _code_lines(text):
    return [line for line in text.splitlines() if not line.lstrip().startswith('#')]


def test_there_are_modules_and_utils():
    names = {os.path.basename(p) for p in MODULES}
    assert {'win_server_facts.ps1', 'win_feature_facts.ps1', 'win_port_probe.ps1', 'win_port_listener.ps1'} <= names
    assert 'win_socket_probe.ps1' not in names, 'one socket engine on the node: win_port_probe serves sql_browser_probe too'
    assert UTILS


@pytest.mark.parametrize('path', MODULES + UTILS, ids=os.path.basename)
def test_file_parses_and_follows_the_rules(path):
    with open(path, 'rb') as handle:
        source = handle.read()
    tree = _parser().parse(source)
    assert not tree.root_node.has_error, _errors(tree.root_node, source)
    text = source.decode('utf-8')
    code = '\n'.join(_code_lines(text))
    assert 'Add-Type' not in code, 'no Add-Type: Constrained Language Mode'
    assert not re.search(r'\[DateTime\]::Parse|Get-HotFix', code, re.IGNORECASE), 'no culture-dependent date parsing on the node'
    assert not re.search(r"\.ToString\('[^o]", code), 'dates leave the node as invariant ISO strings only'
    assert not re.search(r'Message\s+-(like|match|eq)', code, re.IGNORECASE), 'errors are classified by HResult/category, never by text'
    for line in _code_lines(text):
        if re.search(r'-ErrorAction\s+SilentlyContinue', line, re.IGNORECASE):
            assert '-ErrorVariable' in line, 'a silenced error must be collected and checked: %s' % line.strip()


@pytest.mark.parametrize('path', MODULES, ids=os.path.basename)
def test_module_is_an_ansible_basic_module_with_docs_and_a_schema(path):
    name = os.path.basename(path)[:-4]
    with open(path, encoding='utf-8') as handle:
        text = handle.read()
    assert text.startswith('#!powershell\n')
    assert '#AnsibleRequires -CSharpUtil Ansible.Basic' in text
    assert re.search(r'supports_check_mode = \$true', text), 'without it Ansible SKIPS the module under --check'
    assert '[Ansible.Basic.AnsibleModule]::Create($args, $spec)' in text and '$module.ExitJson()' in text
    assert "$ProgressPreference = 'SilentlyContinue'" in text, 'a progress record on stderr breaks the output (ansible#59803)'
    assert '$module.Result.facts' in text, 'facts are returned under one key'
    assert os.path.exists(os.path.join(ROOT, 'plugins', 'modules', name + '.py')), 'a .py documentation stub'
    with open(os.path.join(SCHEMAS, name + '.schema.json'), encoding='utf-8') as handle:
        assert json.load(handle)['type'] == 'object'
    for util in UTIL_RE.findall(text):
        assert os.path.exists(os.path.join(ROOT, 'plugins', 'module_utils', util + '.psm1')), util


@pytest.mark.parametrize('path', UTILS, ids=os.path.basename)
def test_util_exports_the_functions_it_defines(path):
    with open(path, encoding='utf-8') as handle:
        text = handle.read()
    defined = set(re.findall(r'(?im)^Function\s+([\w-]+)', text))
    exported = set(re.findall(r"'([\w]+-[\w]+)'", text.split('$exportMembers', 1)[1]))
    assert defined and defined == exported
    used = ''.join(open(p, encoding='utf-8').read() for p in MODULES)
    assert all(name in used for name in defined), 'no dead helpers'


def test_the_gate_catches_a_broken_script():
    parser = _parser()
    assert parser.parse(b'function F($n) { if ($n) { "x" }').root_node.has_error


def test_port_probe_documents_every_option_of_its_argument_spec():
    yaml = pytest.importorskip('yaml')
    with open(os.path.join(ROOT, 'plugins', 'modules', 'win_port_probe.ps1'), encoding='utf-8') as handle:
        spec_names = set(re.findall(r'(?m)^\s+(\w+) = @\{', handle.read())) - {'options', 'spec', 'probes', 'port_from'}
    with open(os.path.join(ROOT, 'plugins', 'modules', 'win_port_probe.py'), encoding='utf-8') as handle:
        text = handle.read()
    doc = yaml.safe_load(text.split('DOCUMENTATION = r"""', 1)[1].split('"""', 1)[0])['options']
    documented = set(doc) | set(doc['probes']['suboptions']) | set(doc['probes']['suboptions']['port_from']['suboptions'])
    assert spec_names and spec_names <= documented, spec_names - documented
    assert {'framing', 'connected', 'pattern'} <= spec_names and 'port_from' in doc['probes']['suboptions']
