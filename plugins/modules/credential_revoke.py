#!/usr/bin/python
# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: credential_revoke
short_description: Revoke leaked GitHub tokens, whoever owns them
version_added: 0.1.0
description:
  - Submits tokens found exposed (in a repository, a log, a ticket) to GitHub's credential revocation API,
    C(POST /credentials/revoke). GitHub revokes each token it recognises and notifies its owner; it does not
    say which ones it recognised.
  - The request is sent B(without authentication), as GitHub requires; the connection's O(token) and GitHub
    App credentials are not used.
  - Checks every value before sending anything. A value that is not shaped like a GitHub token fails the whole
    task, naming its index in O(credentials) (never the value). Duplicates are sent once.
  - GitHub takes at most 1000 credentials per call and about 60 calls an hour; longer lists are split. When
    GitHub answers C(429) or a secondary rate limit, the module waits as asked, up to O(rate_limit_wait), then
    fails with what was submitted and what was not.
author:
  - patguard maintainers (@patguard)
extends_documentation_fragment:
  - patguard.github.auth
  - patguard.github.attributes
attributes:
  check_mode:
    support: full
    details: Checks the credentials and reports how many calls it would make; sends nothing.
  diff_mode:
    support: none
  idempotent:
    support: partial
    details: >-
      GitHub does not tell whether a token was already revoked, so every run submits the list again
      and reports a change; submitting a revoked token again is harmless.
options:
  credentials:
    description:
      - The tokens to revoke (C(github_pat_), C(ghp_), C(gho_), C(ghu_), C(ghs_) or C(ghr_) tokens).
      - At least one. Never logged or returned; results carry fingerprints.
    type: list
    elements: str
    required: true
seealso:
  - module: patguard.github.token_info
    description: Check whether a token still works (before or after revoking it).
  - module: patguard.github.pat_grant
    description: Revoke tokens' access to one organization only.
  - name: Revoke a list of credentials
    description: GitHub's REST API documentation.
    link: https://docs.github.com/en/rest/credentials/revoke
"""

EXAMPLES = r"""
- name: Revoke the tokens a secret scan found
  patguard.github.credential_revoke:
    credentials: "{{ leaked_tokens }}"
  register: revoked

- name: Record what was submitted (fingerprints only)
  ansible.builtin.debug:
    msg: "{{ revoked.submitted }} token(s) submitted: {{ revoked.fingerprints | join(', ') }}"

- name: See how many calls a large list needs, sending nothing
  patguard.github.credential_revoke:
    credentials: "{{ lookup('ansible.builtin.file', 'leaks.txt').splitlines() }}"
  check_mode: true
"""

RETURN = r"""
submitted:
  description: Distinct credentials submitted to GitHub (would be, in check mode).
  returned: always
  type: int
  sample: 3
duplicates:
  description: Values of O(credentials) dropped because they repeat an earlier one.
  returned: always
  type: int
  sample: 1
calls:
  description: Calls to C(POST /credentials/revoke) needed (made, or that would be made in check mode).
  returned: always
  type: int
  sample: 1
fingerprints:
  description: Fingerprints (C(sha256:) and 12 hex digits) of the distinct credentials, in order.
  returned: always
  type: list
  elements: str
  sample: ["sha256:3f1c9a0b77de", "sha256:90aa51c2e4f0", "sha256:0b4d7c66a1e9"]
not_processed:
  description: On a failure after some calls, fingerprints of the credentials not yet submitted.
  returned: failure
  type: list
  elements: str
  sample: ["sha256:0b4d7c66a1e9"]
bad_indexes:
  description: On a refused list, the indexes in O(credentials) of the values that are not GitHub tokens.
  returned: failure
  type: list
  elements: int
  sample: [2]
api:
  description: What the task cost in API calls (requests, writes, retries, rate-limit budget left, seconds waited by reason).
  returned: always
  type: dict
  sample: {"requests": 1, "writes": 1, "retries": 0, "rate_limit_remaining": 59, "rate_limit_limit": 60,
           "rate_limit_reset": 1767225600, "waited_seconds": {"write_interval": 0.0, "retry_after": 0.0,
           "backoff": 0.0, "primary_reset": 0.0}}
"""

from ansible_collections.patguard.github.plugins.module_utils._catalog import REVOKE_CALLS_PER_HOUR
from ansible_collections.patguard.github.plugins.module_utils._credential_revoke import (
    check_credentials,
    revoke_credentials,
)
from ansible_collections.patguard.github.plugins.module_utils._module import build_module, fail_on_input, run


def main():
    module = build_module(
        dict(
            credentials=dict(type="list", elements="str", required=True, no_log=True),
        )
    )
    params = module.params
    credentials, duplicates = fail_on_input(module, lambda: check_credentials(params["credentials"]))

    def task(client):
        result = revoke_credentials(client, credentials, check_mode=module.check_mode)
        result.pop("not_processed", None)
        result["duplicates"] = duplicates
        result["changed"] = result["submitted"] > 0
        if result["calls"] > REVOKE_CALLS_PER_HOUR:
            module.warn(
                "%d calls are needed, more than GitHub's budget of about %d an hour for this endpoint; "
                "the task will wait for the rate limit up to rate_limit_wait" % (result["calls"], REVOKE_CALLS_PER_HOUR)
            )
        return result

    run(module, task)


if __name__ == "__main__":
    main()
