# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Options selecting fine-grained PAT requests or grants of an organization."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  owners:
    description:
      - Only tokens owned by these users (logins).
      - GitHub accepts 10 owners per call; longer lists are split into as many calls as needed.
      - An owner that matches no record and is not a member of the organization gives a warning (one
        membership call per owner without records; the App needs the Members read permission to check).
    type: list
    elements: str
  token_ids:
    description:
      - Only these tokens (token IDs, as in the audit log, not request or grant IDs).
      - GitHub accepts 50 token IDs per call; longer lists are split into as many calls as needed.
    type: list
    elements: raw
  repository:
    description:
      - Only tokens that can reach this repository (name without the owner).
    type: str
  permission:
    description:
      - Only tokens that hold this permission, written as name and level joined by an underscore,
        for example V(issues_read) or V(contents_write).
    type: str
  last_used_before:
    description:
      - Only tokens last used before this time (ISO 8601, for example V(2026-01-31T00:00:00Z)), compared with
        each token's C(token_last_used_at).
      - Decided by the collection, not sent to GitHub, whose filter does not document whether a never-used
        token matches; O(never_used) decides that. The listing is then not narrowed by GitHub (more pages).
    type: str
  last_used_after:
    description:
      - Only tokens last used after this time (ISO 8601), decided like O(last_used_before).
    type: str
  never_used:
    description:
      - What O(last_used_before) and O(last_used_after) do with a token that was never used
        (C(token_last_used_at) null). No effect without them.
      - V(exclude) (default) reads the filters literally, a never-used token was not "last used" before or
        after anything, so it is not selected (and M(patguard.github.pat_grant) does not revoke it).
        V(include) selects never-used tokens too (for example to revoke tokens unused since a date,
        never-used ones included).
    type: str
    choices: [exclude, include]
    default: exclude
"""

    # Only for the _info modules.
    INCLUDE_REPOSITORIES = r"""
options:
  include_repositories:
    description:
      - Also list the repositories of each token whose repository selection is C(subset)
        (one extra paginated call per such token).
    type: bool
    default: false
"""
