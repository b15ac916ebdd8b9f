# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection options shared by every module and lookup. Private to this collection.

One argument spec and one table of option -> environment variables (the shape of
community.hashi_vault's ``_connection_options.py``). Precedence, documented in the
``patguard.github.auth`` doc fragment: a task option wins over the environment, which
wins over the default.

The precedence also holds for options that exclude each other: a value set on the task
for ``private_key`` hides the environment of ``private_key_path`` too, and the reverse.
AnsibleModule's own env fallbacks cannot express that (they fill both, then its
``mutually_exclusive`` check fails), so the pair is resolved here, in
:func:`resolve_environment`, for modules and lookups alike.
"""

from __future__ import annotations

import ipaddress
import os
import re
from typing import Mapping
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


# Options that exclude each other. The first one set on the task wins over the environment
# of every option of its pair.
EXCLUSIVE_PAIRS = (("private_key", "private_key_path"),)
_PAIRED = frozenset(option for pair in EXCLUSIVE_PAIRS for option in pair)
TASK_SOURCE = "the task (or module_defaults)"
# Options that select the GitHub App; dropped when a task authenticates with one token only.
APP_OPTIONS = ("app_id", "private_key", "private_key_path", "installation_id")


def _non_empty_env_fallback(*names):
    """Like ansible's ``env_fallback``, but an empty variable counts as unset.

    AWX injects every variable of a credential type, empty when the field is blank; an empty
    GITHUB_APP_INSTALLATION_ID must mean "find it", not "not an integer".
    """
    from ansible.module_utils.errors import AnsibleFallbackNotFound

    name, value = _env_source(names, os.environ)
    if name is None:
        raise AnsibleFallbackNotFound
    return value


def _env_source(names, environ):
    for name in names:
        value = environ.get(name)
        if value not in (None, ""):
            return name, value
    return None, None


def resolve_environment(values: dict, environ: dict | None = None) -> tuple[dict, dict]:
    """Fill unset options from the environment; return ``(values, sources)``.

    ``sources`` maps each set option to where its value came from: :data:`TASK_SOURCE` or
    the environment variable's name. For a pair of :data:`EXCLUSIVE_PAIRS`, a value on the
    task hides the environment of both options of the pair.
    """
    environ = os.environ if environ is None else environ
    resolved = dict(values)
    sources = dict((key, TASK_SOURCE) for key, value in values.items() if value not in (None, ""))
    for pair in EXCLUSIVE_PAIRS:
        if any(option in sources for option in pair):
            continue
        for option in pair:
            name, value = _env_source(ENV_FALLBACKS[option], environ)
            if name:
                resolved[option], sources[option] = value, name
    for option, names in ENV_FALLBACKS.items():
        if option in _PAIRED or option in sources:
            continue
        name, value = _env_source(names, environ)
        if name:
            resolved[option], sources[option] = value, name
    return resolved, sources


def auth_argument_spec() -> dict:
    """The argument spec every module merges into its own (``fallback`` = env variables).

    The options of :data:`EXCLUSIVE_PAIRS` have no fallback here: their environment is
    resolved by :func:`resolve_environment`, which knows about the pair.
    """

    def fb(option: str) -> tuple:
        return (_non_empty_env_fallback, ENV_FALLBACKS[option])

    return dict(
        api_url=dict(type="str", fallback=fb("api_url"), default=DEFAULT_API_URL),
        token=dict(type="str", no_log=True, fallback=fb("token")),
        app_id=dict(type="str", fallback=fb("app_id")),
        private_key=dict(type="str", no_log=True),
        private_key_path=dict(type="path", no_log=False),
        installation_id=dict(type="int", fallback=fb("installation_id")),
        validate_certs=dict(type="bool", default=True),
        ca_path=dict(type="path", fallback=fb("ca_path")),
        timeout=dict(type="float", default=DEFAULT_TIMEOUT),
        write_interval=dict(type="float", fallback=fb("write_interval"), default=DEFAULT_WRITE_INTERVAL),
        rate_limit_wait=dict(type="float", fallback=fb("rate_limit_wait"), default=DEFAULT_RATE_LIMIT_WAIT),
        max_retries=dict(type="int", default=DEFAULT_MAX_RETRIES),
    )


def _is_loopback(host):
    if host in ("localhost",) or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def normalize_api_url(url: str) -> str:
    """Check and normalize ``api_url``: https, or http only for a loopback host (the fake)."""
    if not url or not isinstance(url, str):
        raise ConfigError("api_url: must be a URL such as https://api.github.com or https://HOST/api/v3")
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError("api_url: %r is not an http(s) URL; use https://api.github.com or https://HOST/api/v3" % url)
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


class ConnectionOptions:
    """Validated connection settings, from module params or lookup options."""

    # The connection options (what a task or a lookup can set); ``sources`` says where the
    # value of each came from, for messages.
    OPTIONS = (
        "api_url",
        "token",
        "app_id",
        "private_key",
        "private_key_path",
        "installation_id",
        "validate_certs",
        "ca_path",
        "timeout",
        "write_interval",
        "rate_limit_wait",
        "max_retries",
    )
    __slots__ = OPTIONS + ("sources",)

    def __init__(
        self,
        api_url: str = DEFAULT_API_URL,
        token: str | None = None,
        app_id: str | int | None = None,
        private_key: str | None = None,
        private_key_path: str | None = None,
        installation_id: int | None = None,
        validate_certs: bool = True,
        ca_path: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        write_interval: float = DEFAULT_WRITE_INTERVAL,
        rate_limit_wait: float = DEFAULT_RATE_LIMIT_WAIT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        sources: Mapping[str, str] | None = None,
    ) -> None:
        self.sources = dict(sources or {})
        self.api_url = normalize_api_url(api_url or DEFAULT_API_URL)
        self.token = token or None
        self.app_id = _app_id(app_id)
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
            raise ConfigError(
                "parameters are mutually exclusive: private_key|private_key_path (private_key is set by %s, "
                "private_key_path by %s); give one of them"
                % (self.sources.get("private_key", "the caller"), self.sources.get("private_key_path", "the caller"))
            )
        has_key = bool(self.private_key or self.private_key_path)
        if has_key and not self.app_id:
            raise ConfigError("app_id: required when private_key or private_key_path is given")
        if self.app_id and not has_key:
            raise ConfigError("private_key or private_key_path: required when app_id is given")

    @property
    def has_app(self) -> bool:
        return bool(self.app_id)

    @classmethod
    def from_params(cls, params: dict, token_only: str | None = None, environ: dict | None = None) -> ConnectionOptions:
        """Build from an ``AnsibleModule.params``-like mapping (extra keys ignored).

        Unset options come from the environment (:func:`resolve_environment`). With
        ``token_only``, the connection authenticates with that token alone: App options,
        from the task or the environment, are ignored.
        """
        values = dict((key, params.get(key)) for key in cls.OPTIONS)
        values, sources = resolve_environment(values, environ)
        if token_only is not None:
            for key in APP_OPTIONS:
                values.pop(key, None)
                sources.pop(key, None)
            values["token"], sources["token"] = token_only, TASK_SOURCE
        kwargs = dict((key, value) for key, value in values.items() if value not in (None, ""))
        return cls(sources=sources, **kwargs)

    @classmethod
    def from_options(cls, options: dict, environ: dict | None = None) -> ConnectionOptions:
        """Build from lookup options, with the same environment precedence as the modules."""
        return cls.from_params(options, environ=environ)


# A GitHub App's JWT "iss": its numeric App ID, or its Client ID ("Iv1.0123abcd...", "Iv23li...").
_APP_ID = re.compile(r"\A(?:[0-9]+|Iv[0-9A-Za-z._-]+)\Z")


def _app_id(value):
    if value in (None, ""):
        return None
    text = str(value).strip()
    if not _APP_ID.match(text) or len(text) > 64:
        raise ConfigError(
            "app_id: must be the GitHub App's numeric App ID or its Client ID (Iv...), as shown on "
            "the App's settings page; got a value of %d characters that is neither" % len(text)
        )
    return text


def _optional_int(name, value):
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ConfigError("%s: must be an integer, got %r" % (name, value)) from None
    if number < 1:
        raise ConfigError("%s: must be a positive integer, got %d" % (name, number))
    return number


def _number(name, value, minimum, maximum):
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError("%s: must be a number, got %r" % (name, value)) from None
    if number < minimum or number > maximum:
        raise ConfigError("%s: must be between %s and %s, got %s" % (name, minimum, maximum, value))
    return number
