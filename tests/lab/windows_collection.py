# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ansible.windows for the tests, from PyPI (Galaxy and GitHub are not reachable from CI).

The ``ansible`` package on PyPI bundles ansible.windows. This downloads the wheel pinned (with its hash) in
tests/requirements-windows-collection.txt with ``pip download --no-deps --require-hashes`` (about 54 MB, under a
second from PyPI) and extracts ONLY ``ansible_collections/ansible/windows/`` (158 files, 1.7 MB) into
``tests/output/windows-collection``, a collections path of its own; the wheel is deleted afterwards and nothing
else of the package is installed. The test environment needs ansible.windows.async_status: on a Windows host
Ansible polls async tasks with it (``async_status`` and ``poll: N`` are rewritten to it by ansible-core).

    python tests/lab/windows_collection.py        # prints the collections path (downloads once)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REQUIREMENTS = os.path.join(REPO_ROOT, 'tests', 'requirements-windows-collection.txt')
DEST = os.path.join(REPO_ROOT, 'tests', 'output', 'windows-collection')
PREFIX = 'ansible_collections/ansible/windows/'
VERSION = '3.3.0'  # ansible.windows in ansible 12.3.0


def installed(dest=DEST):
    """The collections path when ansible.windows VERSION is extracted there, else None."""
    manifest = os.path.join(dest, PREFIX, 'MANIFEST.json')
    try:
        with open(manifest, encoding='utf-8') as handle:
            return dest if json.load(handle)['collection_info']['version'] == VERSION else None
    except (OSError, ValueError, KeyError):
        return None


def extract(wheel, dest=DEST):
    """Extract only ansible_collections/ansible/windows/ from the ``ansible`` wheel into ``dest``."""
    target = os.path.join(dest, PREFIX)
    shutil.rmtree(target, ignore_errors=True)
    root = os.path.realpath(dest)
    with zipfile.ZipFile(wheel) as archive:
        members = [name for name in archive.namelist() if name.startswith(PREFIX) and not name.endswith('/')]
        for name in members:
            path = os.path.realpath(os.path.join(dest, name))
            if not path.startswith(root + os.sep):
                raise ValueError('unsafe path in the wheel: %r' % name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with archive.open(name) as source, open(path, 'wb') as handle:
                shutil.copyfileobj(source, handle)
    if not members:
        raise ValueError('%s holds no %s' % (wheel, PREFIX))
    return dest


def ensure(dest=DEST, python=sys.executable):
    """The collections path holding ansible.windows VERSION; downloads and extracts it once. Raises RuntimeError."""
    if installed(dest):
        return dest
    with tempfile.TemporaryDirectory(prefix='safeq-ansible-wheel-') as download:
        proc = subprocess.run([python, '-m', 'pip', 'download', '--quiet', '--no-deps', '--only-binary=:all:', '--require-hashes',
                               '-r', REQUIREMENTS, '-d', download], capture_output=True, text=True, check=False, timeout=600)
        wheels = [name for name in os.listdir(download) if name.endswith('.whl')]
        if proc.returncode or len(wheels) != 1:
            raise RuntimeError('could not download the ansible wheel for ansible.windows (pip rc %s): %s'
                               % (proc.returncode, (proc.stderr or proc.stdout).strip()[-2000:]))
        extract(os.path.join(download, wheels[0]), dest)
    if not installed(dest):
        raise RuntimeError('ansible.windows %s not found in the downloaded wheel' % VERSION)
    return dest


if __name__ == '__main__':
    print(ensure())
