# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The layout rule (docs/ARCHITECTURE.md): plugins/module_utils/ holds what a module on the target needs, and only that;
plugins/plugin_utils/ is controller-only and never reaches a module.

Imports are followed with ast from every module that runs on the target (a plugins/modules/*.py with code, which
AnsiballZ ships, and each .ps1 module's #AnsibleRequires -PowerShell utils)."""

from __future__ import annotations

import ast
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
PREFIX = 'ansible_collections.safeq.preflight.'
DOC_NAMES = frozenset(('DOCUMENTATION', 'EXAMPLES', 'RETURN'))
PS_REQUIRES = re.compile(r'(?im)^#\s*AnsibleRequires\s+-(?P<kind>PowerShell|CSharpUtil)\s+(?:\.\.module_utils\.|'
                         + re.escape(PREFIX) + r'plugins\.module_utils\.)(?P<name>[\w.]+)\s*$')
PS_EXTENSIONS = {'powershell': '.psm1', 'csharputil': '.cs'}


def _relpath(root, path):
    return os.path.relpath(path, root).replace(os.sep, '/')


def _parse(path):
    with open(path, encoding='utf-8') as handle:
        return ast.parse(handle.read(), path)


def _is_doc_stub(tree):
    """True for a modules/*.py that only documents (an action plugin's or a .ps1 module's doc): nothing AnsiballZ runs."""
    for node in tree.body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            continue  # docstring
        if isinstance(node, ast.ImportFrom) and node.module == '__future__':
            continue
        if isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) and t.id in DOC_NAMES for t in node.targets):
            continue
        return False
    return True


def _module_file(root, dotted):
    """The file of a collection module path (plugins.module_utils._x or a subpackage), or None."""
    base = os.path.join(root, *dotted.split('.'))
    for candidate in (base + '.py', os.path.join(base, '__init__.py')):
        if os.path.isfile(candidate):
            return candidate
    return None


def _package_of(root, path):
    """The package a relative import starts from (a file's folder; for __init__.py the package itself)."""
    return _relpath(root, path).split('/')[:-1]


def _imports(root, path):
    """The collection files that path imports (top-level or inside functions, absolute or relative)."""
    found = set()
    for node in ast.walk(_parse(path)):
        if isinstance(node, ast.Import):
            dotted = [alias.name[len(PREFIX):] for alias in node.names if alias.name.startswith(PREFIX)]
            names = []
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = _package_of(root, path)
                package = package[:len(package) - (node.level - 1)]
                base = '.'.join(package + ([node.module] if node.module else []))
            elif node.module and node.module.startswith(PREFIX):
                base = node.module[len(PREFIX):]
            else:
                continue
            dotted = [base]
            names = [base + '.' + alias.name for alias in node.names]
        else:
            continue
        for name in names + dotted:
            target = _module_file(root, name)
            if target:
                found.add(target)
            for cut in range(1, name.count('.') + 1):  # parent packages run their __init__ too
                parent = os.path.join(root, *name.split('.')[:cut], '__init__.py')
                if os.path.isfile(parent):
                    found.add(parent)
    return found


def _ps_requires(root, path):
    """The collection's PowerShell and C# utils a .ps1/.psm1 requires (#AnsibleRequires; Ansible.Basic is not ours)."""
    with open(path, encoding='utf-8-sig') as handle:
        text = handle.read()
    return {os.path.join(root, 'plugins', 'module_utils', *m.group('name').split('.')) + PS_EXTENSIONS[m.group('kind').lower()]
            for m in PS_REQUIRES.finditer(text)}


def target_modules(root):
    """Python modules AnsiballZ ships (code, not a doc stub) and the PowerShell modules."""
    folder = os.path.join(root, 'plugins', 'modules')
    python, powershell = [], []
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if name.endswith('.py') and not _is_doc_stub(_parse(path)):
            python.append(path)
        elif name.endswith('.ps1'):
            powershell.append(path)
    return python, powershell


def shipped(root):
    """Every collection file a target module needs, transitively: {file: the module that first reached it}."""
    python, powershell = target_modules(root)
    reached = {}
    stack = [(path, path) for path in python + powershell]
    while stack:
        path, module = stack.pop()
        if not os.path.isfile(path):
            continue  # named as missing below
        needs = _imports(root, path) if path.endswith('.py') else _ps_requires(root, path) if path.endswith(('.ps1', '.psm1')) else ()
        for target in needs:
            if target not in reached:
                reached[target] = module
                stack.append((target, module))
    return reached


def layout_problems(root):
    problems = []
    reached = shipped(root)
    for path, module in sorted(reached.items()):
        if not _relpath(root, path).startswith('plugins/module_utils/'):
            problems.append('%s is imported by the module %s but is not in plugins/module_utils/'
                            % (_relpath(root, path), _relpath(root, module)))
        elif not os.path.isfile(path):
            problems.append('%s is required by the module %s but does not exist' % (_relpath(root, path), _relpath(root, module)))
    utils = os.path.join(root, 'plugins', 'module_utils')
    for folder, _dirs, files in os.walk(utils):
        for name in sorted(files):
            path = os.path.join(folder, name)
            if name.endswith(('.py', '.psm1', '.cs')) and name != '__init__.py' and path not in reached:
                problems.append('%s is needed by no module that runs on the target: it belongs in plugins/plugin_utils/'
                                % _relpath(root, path))
    for folder, _dirs, files in os.walk(utils):
        for name in sorted(files):
            if name.endswith('.py'):
                path = os.path.join(folder, name)
                for target in sorted(_imports(root, path)):
                    if not _relpath(root, target).startswith('plugins/module_utils/'):
                        problems.append('%s imports %s, which does not ship with a module' % (_relpath(root, path), _relpath(root, target)))
    return problems


def test_module_utils_holds_what_target_modules_need_and_only_that():
    assert layout_problems(ROOT) == []


def test_the_target_modules_are_found():
    # Ground truth from the tree itself: a module with code runs on the target; every other modules/*.py documents
    # an action plugin or a .ps1 module of the same name.
    python, powershell = target_modules(ROOT)
    assert python and powershell
    folder = os.path.join(ROOT, 'plugins', 'modules')
    for name in sorted(os.listdir(folder)):
        if name.endswith('.py') and os.path.join(folder, name) not in python:
            stem = name[:-len('.py')]
            assert os.path.isfile(os.path.join(folder, stem + '.ps1')) or os.path.isfile(os.path.join(ROOT, 'plugins', 'action', name)), name


def _write(root, relpath, text):
    path = os.path.join(str(root), *relpath.split('/'))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(text)


_DOC = 'DOCUMENTATION = "x"\nEXAMPLES = "x"\nRETURN = "x"\n'


@pytest.fixture
def tree(tmp_path):
    _write(tmp_path, 'plugins/modules/probe.py', _DOC + 'from %splugins.module_utils import _wire\n' % PREFIX)
    _write(tmp_path, 'plugins/modules/report.py', _DOC)
    _write(tmp_path, 'plugins/modules/win_facts.ps1', '#AnsibleRequires -PowerShell ..module_utils._Gather\n')
    _write(tmp_path, 'plugins/module_utils/_wire.py', 'from .ldap._codec import encode\n')
    _write(tmp_path, 'plugins/module_utils/ldap/__init__.py', '')
    _write(tmp_path, 'plugins/module_utils/ldap/_codec.py', 'def encode():\n    return 1\n')
    _write(tmp_path, 'plugins/module_utils/_Gather.psm1', '')
    _write(tmp_path, 'plugins/plugin_utils/_eval.py', 'from %splugins.module_utils._wire import x\n' % PREFIX)
    return tmp_path


def test_a_clean_tree_passes(tree):
    assert layout_problems(str(tree)) == []


def test_a_module_util_no_module_needs_is_named(tree):
    _write(tree, 'plugins/module_utils/_controller_only.py', 'X = 1\n')
    assert layout_problems(str(tree)) == [
        'plugins/module_utils/_controller_only.py is needed by no module that runs on the target: it belongs in plugins/plugin_utils/']


def test_an_unused_powershell_util_is_named(tree):
    _write(tree, 'plugins/module_utils/_Unused.psm1', '')
    assert layout_problems(str(tree)) == [
        'plugins/module_utils/_Unused.psm1 is needed by no module that runs on the target: it belongs in plugins/plugin_utils/']


def test_plugin_utils_reached_from_a_module_is_named(tree):
    _write(tree, 'plugins/module_utils/ldap/_codec.py',
           'def encode():\n    from %splugins.plugin_utils import _eval\n    return _eval\n' % PREFIX)
    assert layout_problems(str(tree)) == [
        'plugins/plugin_utils/_eval.py is imported by the module plugins/modules/probe.py but is not in plugins/module_utils/',
        'plugins/module_utils/ldap/_codec.py imports plugins/plugin_utils/_eval.py, which does not ship with a module']


def test_a_module_util_importing_plugin_utils_is_named_even_when_no_module_uses_it(tree):
    _write(tree, 'plugins/module_utils/_helper.py', 'import %splugins.plugin_utils._eval\n' % PREFIX)
    assert layout_problems(str(tree)) == [
        'plugins/module_utils/_helper.py is needed by no module that runs on the target: it belongs in plugins/plugin_utils/',
        'plugins/module_utils/_helper.py imports plugins/plugin_utils/_eval.py, which does not ship with a module']


def test_a_required_util_that_is_missing_is_named(tree):
    _write(tree, 'plugins/modules/win_facts.ps1', '#AnsibleRequires -CSharpUtil Ansible.Basic\n'
           '#AnsibleRequires -PowerShell ..module_utils._Gather\n#AnsibleRequires -CSharpUtil ..module_utils._Native\n')
    assert layout_problems(str(tree)) == [
        'plugins/module_utils/_Native.cs is required by the module plugins/modules/win_facts.ps1 but does not exist']


def test_a_doc_stub_importing_nothing_is_not_a_target_module(tree):
    python, powershell = target_modules(str(tree))
    assert [_relpath(str(tree), p) for p in python] == ['plugins/modules/probe.py']
    assert [_relpath(str(tree), p) for p in powershell] == ['plugins/modules/win_facts.ps1']
