"""Validation of every request and response against GitHub's OpenAPI description.

The contract (``tests/contract/github-openapi/<product>.pat-subset.json``, one per product,
see ``products.py``) is GitHub's own, so what passes here is what GitHub documents. Three
adaptations are needed to judge real traffic fairly; each is narrow:

* Query arrays travel GitHub's Rails way, ``owner[]=a&owner[]=b``. The description names
  them ``owner``, so bracketed keys are mapped to the plain name before validation; an
  array parameter sent *without* brackets is a mismatch (GitHub would not read it as a list).
* The fake listens on ``http://127.0.0.1:PORT``; requests are judged as if sent to the
  contract's server (https://api.github.com, or ``http://HOSTNAME/api/v3`` for GHES).
* GitHub answers some statuses on any endpoint although an operation may not list them
  (401 bad credentials, 403/429 rate limits, 404). Such an answer is accepted when its body
  has the ``basic-error`` shape.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass

import jsonschema
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict, MultiDict

from .products import PRODUCTS, Product, get_product

CONTRACT_FILE = get_product("github.com").contract_file
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
#: Statuses GitHub can give on any operation, whether the description lists them or not.
GITHUB_WIDE_STATUSES = frozenset({401, 403, 404, 429})


@dataclass(frozen=True)
class Operation:
    method: str  # upper case
    template: str  # /orgs/{org}/personal-access-tokens
    operation_id: str
    docs_url: str
    array_params: frozenset[str]
    statuses: frozenset[int]
    regex: re.Pattern


class _Request:
    """The ``openapi_core`` request protocol, filled from what the fake received."""

    def __init__(
        self,
        method: str,
        path: str,
        query: MultiDict,
        content_type: str,
        body: bytes | None,
        host_url: str = "https://api.github.com",
    ) -> None:
        self.host_url = host_url
        self.method = method.lower()
        self.path = path
        self.content_type = content_type or "application/octet-stream"
        self.body = body
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(query), header=Headers(), cookie=ImmutableMultiDict()
        )


class _Response:
    def __init__(self, status: int, headers: Headers, content_type: str, data: bytes) -> None:
        self.status_code = status
        self.headers = headers
        self.content_type = content_type or ""
        self.data = data


class Contract:
    """The parsed description: operation lookup plus request/response validation."""

    def __init__(self, product: Product | str | None = "github.com") -> None:
        self.product = product if isinstance(product, Product) else get_product(product)
        self.document = json.loads(self.product.contract_file.read_text(encoding="utf-8"))
        self.openapi = OpenAPI.from_dict(self.document)
        self.operations = self._index_operations()
        self._basic_error = self.document["components"]["schemas"]["basic-error"]

    def _index_operations(self) -> list[Operation]:
        components = self.document["components"]["parameters"]
        operations = []
        for template, item in self.document["paths"].items():
            regex = re.compile("^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template)) + "$")
            for method, spec in item.items():
                if method not in HTTP_METHODS:
                    continue
                params = [
                    components[p["$ref"].rsplit("/", 1)[1]] if "$ref" in p else p
                    for p in item.get("parameters", []) + spec.get("parameters", [])
                ]
                operations.append(
                    Operation(
                        method=method.upper(),
                        template=template,
                        operation_id=spec["operationId"],
                        docs_url=spec.get("externalDocs", {}).get("url", "https://docs.github.com/rest"),
                        array_params=frozenset(
                            p["name"]
                            for p in params
                            if p["in"] == "query" and p.get("schema", {}).get("type") == "array"
                        ),
                        statuses=frozenset(int(code) for code in spec["responses"] if code.isdigit()),
                        regex=regex,
                    )
                )
        # Literal paths before templated ones so /user/emails never matches a {param} route.
        operations.sort(key=lambda op: op.template.count("{"))
        return operations

    def has(self, method: str, template: str) -> bool:
        """Whether the product has the operation ``method template`` (``{param}`` names ignored)."""
        shape = re.sub(r"\{[^}]+\}", "{}", template)
        return any(
            op.method == method.upper() and re.sub(r"\{[^}]+\}", "{}", op.template) == shape for op in self.operations
        )

    def _request(self, method: str, path: str, query: MultiDict, content_type: str, body: bytes | None) -> _Request:
        return _Request(method, self.product.prefix + path, query, content_type, body, self.product.host_url)

    def find(self, method: str, path: str) -> Operation | None:
        for op in self.operations:
            if op.method == method.upper() and op.regex.match(path):
                return op
        return None

    def check_request(
        self, method: str, path: str, query: MultiDict, content_type: str, body: bytes | None
    ) -> list[str]:
        """Mismatches of a request (empty list when it follows the contract)."""
        op = self.find(method, path)
        if op is None:
            return [f"{method} {path}: no such operation in the contract"]
        problems = []
        mapped = MultiDict()
        for key, value in query.items(multi=True):
            if key.endswith("[]") and key[:-2] in op.array_params:
                mapped.add(key[:-2], value)
            elif key in op.array_params:
                problems.append(
                    f"{op.operation_id}: array parameter {key!r} must be sent as '{key}[]=…' (GitHub's bracket style)"
                )
            else:
                mapped.add(key, value)
        try:
            self.openapi.validate_request(self._request(method, path, mapped, content_type, body or None))
        except Exception as exc:  # openapi-core signals every mismatch with an exception
            problems.append(f"{op.operation_id}: {_describe(exc)}")
        return problems

    def check_response(
        self, method: str, path: str, status: int, headers: Headers, content_type: str, data: bytes
    ) -> list[str]:
        """Mismatches of a response to a request that itself followed the contract."""
        op = self.find(method, path)
        if op is None:
            return []  # the request was already reported
        if status not in op.statuses and status in GITHUB_WIDE_STATUSES:
            try:
                jsonschema.validate(json.loads(data or b"null"), self._basic_error)
            except (ValueError, jsonschema.ValidationError) as exc:
                return [f"{op.operation_id}: {status} body is not a basic-error: {exc}"]
            return []
        if status not in op.statuses:
            return [f"{op.operation_id}: status {status} is not documented"]
        request = self._request(method, path, MultiDict(), "application/octet-stream", None)
        try:
            self.openapi.validate_response(request, _Response(status, headers, content_type, data))
        except Exception as exc:
            return [f"{op.operation_id} {status}: {_describe(exc)}"]
        return []


@functools.lru_cache(maxsize=1)
def any_product_operations() -> tuple[tuple[str, re.Pattern], ...]:
    """``(METHOD, path regex)`` of every operation of every product's description (read lazily:
    only a request for an operation the chosen product lacks needs it)."""
    found = set()
    for product in PRODUCTS.values():
        document = json.loads(product.contract_file.read_text(encoding="utf-8"))
        for template, item in document["paths"].items():
            for method in item:
                if method in HTTP_METHODS:
                    found.add((method.upper(), template))
    return tuple(
        (method, re.compile("^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template)) + "$"))
        for method, template in sorted(found)
    )


def _describe(exc: Exception) -> str:
    """A short, readable account of an openapi-core error (its own str() embeds whole schemas)."""
    details = []
    cause = exc
    while cause is not None:
        for error in getattr(cause, "schema_errors", ()) or ():
            where = "/".join(str(p) for p in error.absolute_path)
            details.append(f"{where or '(root)'}: {error.message}")
        cause = cause.__cause__
    head = str(exc).split(": Value ", 1)[0].split(" not valid for schema", 1)[0]
    return head + (" — " + "; ".join(details) if details else "")
