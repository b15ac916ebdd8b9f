"""Who is calling: no credentials, an App JWT, an installation token or a user token (PAT).

GitHub recognises the credential by its shape (``ghs_`` installation tokens, ``github_pat_``/
``ghp_``/``gho_``/``ghu_`` user tokens, three dot-separated parts for a JWT), then checks it;
a credential that fails the check is refused with 401 on every endpoint.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

import jwt

from .errors import ApiError, bad_credentials, jwt_not_decoded
from .state import App, FakeState, Installation, InstallationToken, User

USER_TOKEN_PREFIXES = ("github_pat_", "ghp_", "gho_", "ghu_")

#: GitHub tolerates some clock drift between the App's host and its own (its docs advise
#: back-dating ``iat`` by 60 s); the fake allows the same on ``iat`` and ``exp``.
CLOCK_SKEW = 60
#: ``exp`` may be at most ten minutes after ``iat``.
MAX_JWT_LIFETIME = 600

IAT_INVALID = "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"
EXP_INVALID = (
    "'Expiration time' claim ('exp') must be a numeric value representing the future time at which "
    "the assertion expires"
)
EXP_TOO_FAR = "'Expiration time' claim ('exp') is too far in the future"


def fingerprint(secret: str) -> str:
    """What the request log keeps instead of a credential: the first 12 hex digits of its SHA-256."""
    return hashlib.sha256(secret.encode()).hexdigest()[:12]


@dataclass
class Caller:
    kind: str  # none / jwt / installation / pat / user-to-server (ghu_ through the App)
    fingerprint: str | None = None
    user: User | None = None
    app: App | None = None
    installation: Installation | None = None
    installation_token: InstallationToken | None = None
    error: ApiError | None = None  # set when the credential was refused

    @property
    def rate_key(self) -> tuple:
        """Whose budget a request spends (GitHub counts per installation, user or client IP)."""
        if self.installation is not None:
            return ("installation", self.installation.id)
        if self.user is not None:
            return ("user", self.user.id)
        if self.app is not None:
            return ("app", self.app.id)
        return ("anonymous",)


def identify(authorization: str | None, state: FakeState, client_id_iss: bool = True) -> Caller:
    """Classify and check the ``Authorization`` header (``token X`` or ``Bearer X``).

    ``client_id_iss``: whether an App JWT may name the App by its Client ID (not on GHES 3.17).
    """
    if not authorization:
        return Caller("none")
    scheme, _sep, value = authorization.strip().partition(" ")
    value = value.strip()
    if scheme.lower() not in ("token", "bearer") or not value:
        return Caller("pat", fingerprint(authorization), error=bad_credentials())
    print_ = fingerprint(value)
    now = state.clock.now()
    if value.startswith("ghs_"):
        record = state.installation_tokens.get(value)
        if (
            record is None
            or record.revoked
            or record.expires_at <= now
            or record.installation.id not in state.installations
        ):
            return Caller("installation", print_, error=bad_credentials())
        return Caller(
            "installation",
            print_,
            installation=record.installation,
            installation_token=record,
            app=record.installation.app,
        )
    if value.count(".") == 2 and not value.startswith(USER_TOKEN_PREFIXES):
        try:
            verify_app_jwt(value, state.app, client_id_iss=client_id_iss)
        except ApiError as exc:
            return Caller("jwt", print_, error=exc)
        return Caller("jwt", print_, app=state.app)
    if value.startswith("ghu_") and value in state.user_to_server_tokens:
        record = state.user_to_server_tokens[value]
        if record.revoked or record.expires_at <= now:
            return Caller("user-to-server", print_, error=bad_credentials())
        return Caller("user-to-server", print_, user=record.user, app=record.app)
    user = state.user_for_token(value)
    if user is None or user.token_revoked or (user.token_expires_at is not None and user.token_expires_at <= now):
        return Caller("pat", print_, error=bad_credentials())
    return Caller("pat", print_, user=user)


def verify_app_jwt(token: str, app: App, now: float | None = None, client_id_iss: bool = True) -> None:
    """Check an App JWT as GitHub does; raise the 401 GitHub would send.

    Signature RS256 with the App's key; ``iss`` is the App id or its client id; ``iat`` not
    in the future and ``exp`` not in the past (± :data:`CLOCK_SKEW`); ``exp`` at most ten
    minutes after ``iat``. Real time is used on purpose: the client signs with its real clock.
    """
    now = time.time() if now is None else now
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(
            token,
            app.public_key,
            algorithms=["RS256"],
            options={
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
                "verify_aud": False,
                "verify_iss": False,
            },
        )
    except jwt.PyJWTError:
        raise jwt_not_decoded() from None
    issuers = (str(app.id), app.client_id) if client_id_iss else (str(app.id),)
    if header.get("alg") != "RS256" or str(claims.get("iss")) not in issuers:
        raise jwt_not_decoded()
    iat, exp = claims.get("iat"), claims.get("exp")
    if not isinstance(iat, int) or isinstance(iat, bool) or iat > now + CLOCK_SKEW:
        raise ApiError(401, IAT_INVALID)
    if not isinstance(exp, (int, float)) or isinstance(exp, bool) or exp <= now - CLOCK_SKEW:
        raise ApiError(401, EXP_INVALID)
    if exp - iat > MAX_JWT_LIFETIME or exp > now + MAX_JWT_LIFETIME + CLOCK_SKEW:
        raise ApiError(401, EXP_TOO_FAR)
