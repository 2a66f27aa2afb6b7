# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Facts about the installed collection itself. PRIVATE to this collection."""

from __future__ import annotations

import json
import os

import yaml

COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def collection_version(root=COLLECTION_ROOT):
    """The collection's version from MANIFEST.json (installed) or galaxy.yml (source tree)."""
    manifest = os.path.join(root, 'MANIFEST.json')
    try:
        if os.path.exists(manifest):
            with open(manifest, encoding='utf-8') as handle:
                return str(json.load(handle)['collection_info']['version'])
        with open(os.path.join(root, 'galaxy.yml'), encoding='utf-8') as handle:
            return str(yaml.safe_load(handle)['version'])
    except (OSError, KeyError, TypeError, ValueError, yaml.YAMLError):
        return 'unknown'
