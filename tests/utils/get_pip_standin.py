# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Offline stand-in for ansible-test's pip bootstrap script (get-pip-X.py).

ansible-test downloads its pip bootstrap from a host that is not PyPI. This stand-in is copied
to ``~/.ansible/test/cache/get_pip_<version>.py`` by ``make collection-copy``. It installs pip
with ``ensurepip`` (in a subprocess, so the machine's pip configuration still applies) and then
runs ``pip install`` from PyPI with the arguments ansible-test gave it.
"""

from __future__ import annotations

import subprocess
import sys


def main(argv):
    """Bootstrap pip into the running interpreter, then install the requested packages."""
    no_setuptools = '--no-setuptools' in argv
    args = [arg for arg in argv if arg not in ('--no-setuptools', '--no-wheel')]
    subprocess.run([sys.executable, '-m', 'ensurepip', '--upgrade'], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([sys.executable, '-m', 'pip', 'install'] + args, check=True)
    if no_setuptools:
        subprocess.run([sys.executable, '-m', 'pip', 'uninstall', '--yes', 'setuptools'], check=False, stdout=subprocess.DEVNULL)


if __name__ == '__main__':
    main(sys.argv[1:])
