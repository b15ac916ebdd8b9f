# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection options shared by every module and lookup. Private to this collection.

One argument spec and one table of option -> environment variables (the shape of
community.hashi_vault's ``_connection_options.py``). Precedence, documented in the
``patguard.github.auth`` doc fragment: a task option wins over the environment, which
wins over the default.
"""

from __future__ import annotations

import ipaddress
import os
from urllib.parse import urlsplit

from ._errors import ConfigError

DEFAULT_API_URL = "https://api.github.com"
DEFAULT_TIMEOUT = 30
DEFAULT_WRITE_INTERVAL = 1.0
DEFAULT_RATE_LIMIT_WAIT = 900
DEFAULT_MAX_RETRIES = 5

# option -> environment variables, first found wins.
ENV_FALLBACKS = {
    "api_url": ["GITHUB_API_URL"],
    "token": ["GITHUB_TOKEN", "GH_TOKEN"],
    "app_id": ["GITHUB_APP_ID"],
    "private_key": ["GITHUB_APP_PRIVATE_KEY"],
    "private_key_path": ["GITHUB_APP_PRIVATE_KEY_PATH"],
    "installation_id": ["GITHUB_APP_INSTALLATION_ID"],
    "write_interval": ["PATGUARD_WRITE_INTERVAL"],
    "rate_limit_wait": ["PATGUARD_RATE_LIMIT_WAIT"],
    "ca_path": ["GITHUB_CA_PATH"],
}


def _env_fallback(names):
    # Local copy of ansible's env_fallback, so this file also serves lookups and unit
    # tests without AnsibleModule.
    for name in names:
        value = os.environ.get(name)
        if value not in (None, ""):
            return value
    return None


def _non_empty_env_fallback(*names):
    """Like ansible's ``env_fallback``, but an empty variable counts as unset.

    AWX injects every variable of a credential type, empty when the field is blank; an empty
    GITHUB_APP_INSTALLATION_ID must mean "find it", not "not an integer".
    """
    from ansible.module_utils.errors import AnsibleFallbackNotFound

    value = _env_fallback(names)
    if value is None:
        raise AnsibleFallbackNotFound
    return value


def auth_argument_spec():
    """The argument spec every module merges into its own (``fallback`` = env variables)."""

    def fb(option):
        return (_non_empty_env_fallback, ENV_FALLBACKS[option])

    return dict(
        api_url=dict(type="str", fallback=fb("api_url"), default=DEFAULT_API_URL),
        token=dict(type="str", no_log=True, fallback=fb("token")),
        app_id=dict(type="str", fallback=fb("app_id")),
        private_key=dict(type="str", no_log=True, fallback=fb("private_key")),
        private_key_path=dict(type="path", no_log=False, fallback=fb("private_key_path")),
        installation_id=dict(type="int", fallback=fb("installation_id")),
        validate_certs=dict(type="bool", default=True),
        ca_path=dict(type="path", fallback=fb("ca_path")),
        timeout=dict(type="float", default=DEFAULT_TIMEOUT),
        write_interval=dict(type="float", fallback=fb("write_interval"), default=DEFAULT_WRITE_INTERVAL),
        rate_limit_wait=dict(type="float", fallback=fb("rate_limit_wait"), default=DEFAULT_RATE_LIMIT_WAIT),
        max_retries=dict(type="int", default=DEFAULT_MAX_RETRIES),
    )


AUTH_MUTUALLY_EXCLUSIVE = [("private_key", "private_key_path")]


def _is_loopback(host):
    if host in ("localhost",) or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def normalize_api_url(url):
    """Check and normalize ``api_url``: https, or http only for a loopback host (the fake)."""
    if not url or not isinstance(url, str):
        raise ConfigError("api_url: must be a URL such as https://api.github.com or https://HOST/api/v3")
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            "api_url: %r is not an http(s) URL; use https://api.github.com or https://HOST/api/v3" % url
        )
    if parts.username or parts.password:
        raise ConfigError("api_url: must not carry credentials; use token or the GitHub App options")
    if parts.query or parts.fragment:
        raise ConfigError("api_url: must not have a query string or fragment")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ConfigError(
            "api_url: %s uses plain http; GitHub credentials must travel over https "
            "(http is accepted only for loopback test servers)" % url
        )
    return url


class ConnectionOptions(object):
    """Validated connection settings, from module params or lookup options."""

    __slots__ = (
        "api_url", "token", "app_id", "private_key", "private_key_path", "installation_id",
        "validate_certs", "ca_path", "timeout", "write_interval", "rate_limit_wait", "max_retries",
    )

    def __init__(self, api_url=DEFAULT_API_URL, token=None, app_id=None, private_key=None,
                 private_key_path=None, installation_id=None, validate_certs=True, ca_path=None,
                 timeout=DEFAULT_TIMEOUT, write_interval=DEFAULT_WRITE_INTERVAL,
                 rate_limit_wait=DEFAULT_RATE_LIMIT_WAIT, max_retries=DEFAULT_MAX_RETRIES):
        self.api_url = normalize_api_url(api_url or DEFAULT_API_URL)
        self.token = token or None
        self.app_id = str(app_id).strip() if app_id not in (None, "") else None
        self.private_key = private_key or None
        self.private_key_path = private_key_path or None
        self.installation_id = _optional_int("installation_id", installation_id)
        self.validate_certs = bool(validate_certs)
        self.ca_path = ca_path or None
        self.timeout = _number("timeout", timeout, minimum=1, maximum=600)
        self.write_interval = _number("write_interval", write_interval, minimum=0, maximum=60)
        self.rate_limit_wait = _number("rate_limit_wait", rate_limit_wait, minimum=0, maximum=3 * 3600)
        self.max_retries = int(_number("max_retries", max_retries, minimum=0, maximum=20))
        if self.private_key and self.private_key_path:
            raise ConfigError("private_key and private_key_path are mutually exclusive: give one of them")
        has_key = bool(self.private_key or self.private_key_path)
        if has_key and not self.app_id:
            raise ConfigError("app_id: required when private_key or private_key_path is given")
        if self.app_id and not has_key:
            raise ConfigError("private_key or private_key_path: required when app_id is given")

    @property
    def has_app(self):
        return bool(self.app_id)

    @classmethod
    def from_params(cls, params):
        """Build from an ``AnsibleModule.params``-like mapping (extra keys ignored)."""
        kwargs = dict((k, params.get(k)) for k in cls.__slots__ if params.get(k) is not None)
        return cls(**kwargs)

    @classmethod
    def from_options(cls, options):
        """Build from lookup options, applying the environment fallbacks the argument spec has."""
        kwargs = {}
        for key in cls.__slots__:
            value = options.get(key)
            if value in (None, "") and key in ENV_FALLBACKS:
                value = _env_fallback(ENV_FALLBACKS[key])
            if value not in (None, ""):
                kwargs[key] = value
        return cls(**kwargs)


def _optional_int(name, value):
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ConfigError("%s: must be an integer, got %r" % (name, value))
    if number < 1:
        raise ConfigError("%s: must be a positive integer, got %d" % (name, number))
    return number


def _number(name, value, minimum, maximum):
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError("%s: must be a number, got %r" % (name, value))
    if number < minimum or number > maximum:
        raise ConfigError("%s: must be between %s and %s, got %s" % (name, minimum, maximum, value))
    return number
