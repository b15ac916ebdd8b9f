"""GitHub-shaped error responses.

Handlers raise :class:`ApiError`; the application turns it into the JSON body GitHub
sends (``message``, ``documentation_url``, ``status`` as a string, plus ``errors`` for
validation failures), so every error path produces the same shape.
"""

from __future__ import annotations

import json

from werkzeug.wrappers import Response

DOCS_ROOT = "https://docs.github.com/rest"
RATE_LIMIT_DOCS = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"


class ApiError(Exception):
    """An error answer of the API; ``documentation_url`` defaults to the operation's docs."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        errors: list | None = None,
        headers: dict[str, str] | None = None,
        documentation_url: str | None = None,
    ) -> None:
        super().__init__(f"{status} {message}")
        self.status = status
        self.message = message
        self.errors = errors
        self.headers = headers or {}
        self.documentation_url = documentation_url

    def response(self, default_docs: str = DOCS_ROOT) -> Response:
        body: dict = {"message": self.message, "documentation_url": self.documentation_url or default_docs}
        if self.errors is not None:
            body["errors"] = self.errors
        body["status"] = str(self.status)
        return json_response(body, self.status, self.headers)


def json_response(body, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(body, separators=(",", ":")),
        status=status,
        headers=headers,
        content_type="application/json; charset=utf-8",
    )


def bad_credentials() -> ApiError:
    return ApiError(401, "Bad credentials", documentation_url=DOCS_ROOT)


def requires_authentication() -> ApiError:
    return ApiError(401, "Requires authentication")


def jwt_not_decoded() -> ApiError:
    """What GitHub answers for any JWT it cannot accept (bad signature, unknown ``iss``, not a JWT)."""
    return ApiError(401, "A JSON web token could not be decoded", documentation_url=DOCS_ROOT)


def not_found() -> ApiError:
    return ApiError(404, "Not Found")


def invalid_request(detail: str) -> ApiError:
    """Body/query schema problems, phrased like GitHub's request validator."""
    return ApiError(422, f"Invalid request.\n\n{detail}")


def validation_failed(errors: list[dict], message: str = "Validation Failed") -> ApiError:
    return ApiError(422, message, errors=errors)
