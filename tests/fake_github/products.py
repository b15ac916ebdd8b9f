"""The GitHub products the fake can pretend to be, and what differs between them.

Each product has its own description in ``tests/contract/github-openapi/`` (cut from
``@octokit/openapi`` 23.0.2). The fake serves an operation only if that description has it
(so GHES answers 404 on ``/credentials/revoke``), validates against it, and GHES serves
under ``/api/v3`` as a real appliance does. The other differences are GitHub's documented
ones, listed here so one place says what a product is:

* stateless installation tokens (``ghs_<APPID>_<JWT>``): github.com and GHEC, not GHES
  (GitHub changelog 2026-04-24 / 2026-05-15);
* App JWT ``iss`` = Client ID: github.com, GHEC and GHES from 3.18 (GitHub's JWT page,
  ``client-id-for-app`` feature flag); the numeric App ID works everywhere.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

CONTRACT_DIR = Path(__file__).resolve().parent.parent / "contract" / "github-openapi"
#: Environment variable that picks the default product (tests, molecule, scripts).
PRODUCT_ENV = "FAKE_GITHUB_PRODUCT"
DEFAULT_PRODUCT = "github.com"


@dataclass(frozen=True)
class Product:
    name: str
    contract_file: Path
    prefix: str  # path prefix of the REST API on this product ("" or "/api/v3")
    host_url: str  # the server the contract's requests are judged against
    stateless_tokens: bool
    client_id_iss: bool

    @property
    def is_ghes(self) -> bool:
        return self.name.startswith("ghes-")


def _ghes(version: str, client_id_iss: bool) -> Product:
    # The GHES descriptions' server is "{protocol}://{hostname}/api/v3"; any host matches it.
    return Product(
        f"ghes-{version}",
        CONTRACT_DIR / f"ghes-{version}.pat-subset.json",
        "/api/v3",
        "http://HOSTNAME",
        stateless_tokens=False,
        client_id_iss=client_id_iss,
    )


PRODUCTS: dict[str, Product] = {
    "github.com": Product(
        "github.com",
        CONTRACT_DIR / "api.github.com.pat-subset.json",
        "",
        "https://api.github.com",
        stateless_tokens=True,
        client_id_iss=True,
    ),
    "ghec": Product(
        "ghec",
        CONTRACT_DIR / "ghec.pat-subset.json",
        "",
        "https://api.github.com",
        stateless_tokens=True,
        client_id_iss=True,
    ),
    "ghes-3.17": _ghes("3.17", client_id_iss=False),
    "ghes-3.19": _ghes("3.19", client_id_iss=True),
}


def get_product(name: str | None = None) -> Product:
    """The product called ``name`` (default: ``$FAKE_GITHUB_PRODUCT``, else github.com)."""
    name = name or os.environ.get(PRODUCT_ENV) or DEFAULT_PRODUCT
    try:
        return PRODUCTS[name]
    except KeyError:
        raise ValueError(f"unknown product {name!r}; choose one of {', '.join(PRODUCTS)}") from None
