# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection and authentication options shared by every module and lookup of the collection."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  api_url:
    description:
      - Base URL of the GitHub REST API.
      - Use V(https://HOST/api/v3) for GitHub Enterprise Server and V(https://api.HOST) for GitHub
        Enterprise Cloud with data residency.
      - Must use C(https); plain C(http) is accepted only for a loopback host (a local test server).
      - If not set, the environment variable E(GITHUB_API_URL) is used.
    type: str
    default: https://api.github.com
  token:
    description:
      - A GitHub token (fine-grained or classic personal access token, OAuth, user-to-server or installation token).
      - The organization endpoints for fine-grained token requests and grants accept only GitHub App
        installation tokens, and the user-to-server token (C(ghu_)) of an organization owner through a
        GitHub App installed on the organization. Personal access tokens (C(ghp_), C(github_pat_)) are
        refused there; use O(app_id) with O(private_key) or O(private_key_path), or such a C(ghu_) token.
      - When both a token and GitHub App credentials are given, the App is used for organization
        endpoints and the token only where a user token is required (for example O(token) checks).
      - If not set, the environment variables E(GITHUB_TOKEN), then E(GH_TOKEN), are used.
    type: str
  app_id:
    description:
      - The GitHub App's numeric App ID (for example V(123456)) or its Client ID (for example
        V(Iv23liAbCdEf0123456789)), both shown on the App's settings page. It is the C(iss) claim of the
        JSON Web Token signed with the App's private key.
      - GitHub recommends the Client ID. github.com and GitHub Enterprise Cloud accept both; GitHub
        Enterprise Server accepts the Client ID from version 3.18, so use the App ID on older servers.
      - Requires O(private_key) or O(private_key_path).
      - If not set, the environment variable E(GITHUB_APP_ID) is used.
    type: str
  private_key:
    description:
      - The GitHub App's RSA private key, as PEM text. A single line with literal C(\n) escapes is
        accepted (as some credential stores hold it).
      - Mutually exclusive with O(private_key_path).
      - If neither O(private_key) nor O(private_key_path) is set, the environment variable
        E(GITHUB_APP_PRIVATE_KEY) is used.
    type: str
  private_key_path:
    description:
      - Path on the Ansible controller (or the host the module runs on) to the GitHub App's PEM private key.
      - If neither O(private_key) nor O(private_key_path) is set, the environment variable
        E(GITHUB_APP_PRIVATE_KEY_PATH) is used.
    type: path
  installation_id:
    description:
      - ID of the App's installation on the organization.
      - When not set, it is found with C(GET /orgs/{org}/installation), one extra request per task.
      - If not set, the environment variable E(GITHUB_APP_INSTALLATION_ID) is used.
    type: int
  validate_certs:
    description:
      - Whether to verify the TLS certificate of O(api_url). Only set to V(false) for a test server.
    type: bool
    default: true
  ca_path:
    description:
      - Path to a CA bundle used to verify O(api_url) (for GitHub Enterprise Server with a private CA).
      - If not set, the environment variable E(GITHUB_CA_PATH) is used.
    type: path
  timeout:
    description:
      - Seconds to wait for each HTTP response.
    type: float
    default: 30
  write_interval:
    description:
      - Minimum seconds between two mutating requests, as GitHub's REST API best practices ask.
      - Set V(0) only against a test server.
      - If not set, the environment variable E(PATGUARD_WRITE_INTERVAL) is used.
    type: float
    default: 1
  rate_limit_wait:
    description:
      - The longest time, in seconds, one request waits on rate limits before failing with a message that
        says when to run again (work already done stays done).
      - GitHub's rules apply, in this order - C(Retry-After) when given; else the reset time when
        C(x-ratelimit-remaining) is 0; else, for a secondary rate limit, 60 seconds, doubling each time it
        repeats, at most four waits.
      - If not set, the environment variable E(PATGUARD_RATE_LIMIT_WAIT) is used.
    type: float
    default: 900
  max_retries:
    description:
      - How many times a read is retried after a lost answer or a 500, 502, 503 or 504 answer, with
        exponential back-off and jitter. Writes are never re-sent blindly after a lost answer; the module
        reads the current state instead.
      - A failure to connect (connection refused, unknown host, TLS certificate) is retried once after one
        second, not O(max_retries) times, since it is not a transient answer of GitHub.
    type: int
    default: 5
notes:
  - "Precedence: an option set on the task (or through C(module_defaults) for the action group
    C(group/patguard.github.github)) wins over its environment variable, which wins over the default."
  - "The precedence holds for the pair O(private_key) / O(private_key_path): a value set on the task for
    either one wins over the environment variables of both (for example O(private_key) in C(module_defaults)
    while an AWX credential sets E(GITHUB_APP_PRIVATE_KEY_PATH)). Only both set on the task, or both set in
    the environment, is a conflict; the message says where each value came from."
  - The GitHub App's JSON Web Token is signed RS256 with C(iat) 60 seconds in the past and C(exp) nine
    minutes ahead; the installation token it buys is cached for the process and renewed five minutes
    before it expires, or once after a C(401) answer.
  - Tokens and private keys are never returned or logged; results carry a short SHA-256 fingerprint at most.
requirements:
  - requests
  - PyJWT and cryptography (for GitHub App authentication)
"""
