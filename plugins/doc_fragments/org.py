# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The required ``org`` option of the modules that work on one organization's tokens or audit log."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  org:
    description:
      - Login of the organization.
    type: str
    required: true
"""
