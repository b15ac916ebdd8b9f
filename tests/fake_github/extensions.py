"""Registration hook: route modules kept outside ``app.py`` (one line each in :data:`MODULES`).

A route module is a file in this package that defines

* ``ROUTES``: a list of ``app.Route`` with ``func`` set; ``func(api, ctx, **path_args)``
  returns a werkzeug ``Response`` (use ``errors.json_response`` / raise ``errors.ApiError``).
  ``api`` is the ``GitHubAPI`` (``api.state``, ``api.product``, ``api._page(ctx, items, render)``
  for GitHub pagination, ``api._org(login)`` for a 404 on unknown organizations); ``ctx`` has
  ``caller`` (``auth.Caller``), ``query``, ``body``, ``base``. Access is checked before
  ``func`` runs from ``Route.access`` (``app.JWT``, ``INSTALLATION``, ``USER``, ``OWNER``,
  ``ANYONE``, ``ANONYMOUS``, ``ORG_READER``) and ``Route.app_permission``.
* optionally ``setup(state, data)``: called after the state is built from fixture data
  ``data`` (the whole fixture dict, so a module can read its own keys per organization);
  keep module state in ``state.extras[<module name>]``;
* optionally ``snapshot(state) -> dict``: merged into ``GET /_fake/state`` under
  ``extras[<module name>]``.

A route is served only when the chosen product's description has its operation, so a
GHEC-only endpoint answers 404 on github.com and GHES with no code for it.
"""

from __future__ import annotations

import functools
import importlib
from types import ModuleType

#: Route modules, by import name (e.g. "fake_github.credential_authorizations").
MODULES: list[str] = [
    "fake_github.credential_authorizations",  # GHEC SAML SSO credential authorizations
    "fake_github.audit_log",  # GHEC and GHES organization audit log
]


@functools.lru_cache(maxsize=1)
def modules() -> tuple[ModuleType, ...]:
    return tuple(importlib.import_module(name) for name in MODULES)


def extension_routes() -> list:
    return [route for module in modules() for route in getattr(module, "ROUTES", [])]


def setup(state, data: dict) -> None:
    for module in modules():
        hook = getattr(module, "setup", None)
        if hook is not None:
            hook(state, data)


def snapshot(state) -> dict:
    return {
        module.__name__.rsplit(".", 1)[-1]: module.snapshot(state)
        for module in modules()
        if hasattr(module, "snapshot")
    }
