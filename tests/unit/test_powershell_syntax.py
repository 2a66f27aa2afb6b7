# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PowerShell syntax gate: every fixed probe script parses, carries its marker and schema, and fits the command line.

No pwsh exists on Linux CI, so scripts are parsed with tree-sitter-powershell.
"""

from __future__ import annotations

import glob
import json
import os

import pytest

from ansible_collections.safeq.preflight.plugins.plugin_utils import _node_runner

SCRIPTS = sorted(glob.glob(os.path.join(_node_runner.SCRIPT_DIR, '*.ps1')))


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


def test_there_are_scripts():
    assert len(SCRIPTS) >= 2


@pytest.mark.parametrize('path', SCRIPTS, ids=os.path.basename)
def test_script_parses_and_fits(path):
    parser = _parser()
    name = os.path.basename(path)[:-4]
    with open(path, 'rb') as handle:
        source = handle.read()
    tree = parser.parse(source)
    assert not tree.root_node.has_error, _errors(tree.root_node, source)
    minified = _node_runner.load_script(name)
    assert not parser.parse(minified.encode('utf-8')).root_node.has_error, 'the minified script must still parse'
    marker = _node_runner.MARKER_RE.search(minified)
    assert marker and marker.group('name') == name
    _node_runner.encode_command(minified)  # raises when too long for cmd.exe
    with open(os.path.join(_node_runner.SCRIPT_DIR, name + '.schema.json'), encoding='utf-8') as handle:
        assert json.load(handle)['type'] == 'object'
    text = source.decode('utf-8')
    assert "$ProgressPreference = 'SilentlyContinue'" in text
    assert 'Add-Type' not in text, 'scripts must stay CLM-safe'
    assert '@"' not in text and "@'" not in text, 'no here-strings: the node runner strips indentation'


def test_the_gate_catches_a_broken_script():
    parser = _parser()
    assert parser.parse(b'function F($n) { if ($n) { "x" }').root_node.has_error
