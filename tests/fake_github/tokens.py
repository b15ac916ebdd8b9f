"""Shapes of the tokens the fake issues, as GitHub issues them.

* Installation tokens: classic ``ghs_`` + 36 alphanumerics, or *stateless* ``ghs_<APPID>_<JWT>``
  (GitHub changelog 2026-04-24 / 2026-05-15): about 520 characters with two dots, matching
  ``ghs_[A-Za-z0-9._]{36,}``. The fake recognises either by lookup, never by parsing.
* User-to-server tokens (the App's user authorization): ``ghu_`` + 36 alphanumerics.
"""

from __future__ import annotations

import base64
import json
import secrets
import string
from datetime import datetime

_ALNUM = string.ascii_letters + string.digits
#: GitHub's stated shape of stateless tokens has no "-", so the fake's never do either.
_SEGMENT = string.ascii_letters + string.digits + "_"
STATELESS_LENGTH = 520


def _random(alphabet: str, count: int) -> str:
    return "".join(secrets.choice(alphabet) for _index in range(count))


def _b64(data: dict) -> str:
    text = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")
    return text.replace("-", "_")  # keep to GitHub's documented alphabet


def installation_token_value(inst, stateless: bool, expires_at: datetime) -> str:
    if not stateless:
        return "ghs_" + _random(_ALNUM, 36)
    head = "ghs_%d_" % inst.app.id
    header = _b64({"alg": "ES256", "typ": "JWT", "kid": "fake-s2s-1"})
    claims = {
        "iss": "https://api.github.com",
        "sub": "installation:%d" % inst.id,
        "aud": "api.github.com",
        "iat": int(expires_at.timestamp()) - 3600,
        "exp": int(expires_at.timestamp()),
        "app_id": inst.app.id,
        "installation_id": inst.id,
        "target_id": inst.account.id,
        "jti": _random(_ALNUM, 16),
    }
    payload = _b64(claims)
    signature_length = 86  # an ES256 signature, base64url
    filler = STATELESS_LENGTH - len(head) - len(header) - len(payload) - signature_length - 2
    if filler > 0:  # GitHub's claims are longer than the fake's; pad the payload to the real size
        claims["ctx"] = _random(_ALNUM, max(filler * 3 // 4 - 10, 1))
        payload = _b64(claims)
    return f"{head}{header}.{payload}.{_random(_SEGMENT, signature_length)}"


def user_to_server_value() -> str:
    return "ghu_" + _random(_ALNUM, 36)
