# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Responders of the WinRM simulation for probes whose answer depends on their parameters."""
