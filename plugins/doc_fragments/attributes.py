# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Attributes every module of the collection shares: read-only checks that run identically under --check."""

from __future__ import annotations


class ModuleDocFragment:
    # Use with ansible.builtin.action_common_attributes (which describes the attributes) and one platform fragment below.
    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    support: full
    details: The module only reads or probes and changes nothing that lasts; under C(--check) it runs identically and
      reports C(changed=false).
  diff_mode:
    support: none
"""

    CONTROLLER = r"""
options: {}
attributes:
  platform:
    platforms: posix
"""

    WINDOWS = r"""
options: {}
attributes:
  platform:
    platforms: windows
"""

    POSIX_AND_WINDOWS = r"""
options: {}
attributes:
  platform:
    platforms: [posix, windows]
"""
