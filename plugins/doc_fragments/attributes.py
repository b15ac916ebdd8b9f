# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Attribute documentation shared by the collection's modules."""

from __future__ import annotations


class ModuleDocFragment:
    # Every module: descriptions of the attributes, and membership of the action group.
    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description: Can run in check mode and return the changed status it predicts without modifying GitHub.
  diff_mode:
    description: Returns details on what has changed (or would change in check mode) in diff mode.
  idempotent:
    description: Running the task again with the same arguments reports no change and sends no write.
  action_group:
    description: Use C(group/patguard.github.github) in C(module_defaults) to set the connection options once.
    support: full
    membership:
      - patguard.github.github
"""

    # Read-only (_info) modules.
    INFO_MODULE = r"""
options: {}
attributes:
  check_mode:
    support: full
    details: This module only reads from GitHub.
  diff_mode:
    support: N/A
    details: This module only reads from GitHub.
  idempotent:
    support: full
"""
