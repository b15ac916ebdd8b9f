# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The glue between AnsibleModule and the client. Private to this collection.

Modules stay thin: they declare their own options, call :func:`run`, and let it merge
the shared auth options, build the client, and turn every :class:`PatguardError` into
one ``fail_json`` with the API cost attached. No module can forget redaction or the
``api`` result field.
"""

from __future__ import annotations

import traceback
from typing import Any, Callable

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ._auth import HAS_JWT, JWT_IMPORT_ERROR
from ._client import HAS_REQUESTS, REQUESTS_IMPORT_ERROR, GitHubClient
from ._connection import ConnectionOptions, auth_argument_spec
from ._errors import PatguardError, redact
from ._pat import check_org, filter_argument_spec, filters_from_params, listing_result


def build_module(
    argument_spec: dict,
    mutually_exclusive: list | None = None,
    required_one_of: list | None = None,
    required_if: list | None = None,
    required_together: list | None = None,
    required_by: dict | None = None,
    supports_check_mode: bool = True,
) -> AnsibleModule:
    spec = auth_argument_spec()
    spec.update(argument_spec)
    return AnsibleModule(
        argument_spec=spec,
        # private_key/private_key_path: checked by ConnectionOptions, which knows where each came from.
        mutually_exclusive=list(mutually_exclusive or []),
        required_one_of=required_one_of or [],
        required_if=required_if or [],
        required_together=required_together or [],
        required_by=required_by or {},
        supports_check_mode=supports_check_mode,
    )


def check_libraries(module: AnsibleModule, need_jwt: bool = False) -> None:
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
    if need_jwt and not HAS_JWT:
        module.fail_json(msg=missing_required_lib("PyJWT and cryptography"), exception=JWT_IMPORT_ERROR)


def connection_options(module: AnsibleModule, token_only: str | None = None) -> ConnectionOptions:
    """This task's :class:`ConnectionOptions`: task values, then the environment, pair-aware.

    ``token_only``: authenticate with this token alone, never with the App (the module
    keeps its ``params`` untouched).
    """
    options = ConnectionOptions.from_params(module.params, token_only=token_only)
    if options.private_key:  # may come from GITHUB_APP_PRIVATE_KEY, which no spec fallback masks
        module.no_log_values.add(options.private_key)
    return options


def client_for(module: AnsibleModule, org: str | None = None, token_only: str | None = None) -> GitHubClient:
    """A client for this task's connection options (raises ConfigError on bad options)."""
    options = connection_options(module, token_only=token_only)
    check_libraries(module, need_jwt=options.has_app)
    return GitHubClient(options, org=org)


def run(
    module: AnsibleModule, task: Callable[[GitHubClient], dict], org: str | None = None, token_only: str | None = None
) -> None:
    """Run ``task(client) -> dict`` and exit with its result plus ``api`` statistics.

    ``token_only``: the client authenticates with this token alone (App options ignored).
    Every error of the collection ends the task with one clear message; anything else is
    still reported without a traceback that could carry secrets.
    """
    client = None
    try:
        client = client_for(module, org=org, token_only=token_only)
        result = task(client)
    except PatguardError as exc:
        failure = exc.fail_kwargs()
        if client is not None:
            failure["api"] = client.stats.as_dict()
        module.fail_json(**failure)
    except Exception as exc:  # a bug of ours: keep the message, drop the secrets
        module.fail_json(
            msg=redact("unexpected error (%s): %s" % (type(exc).__name__, exc)),
            exception=redact(traceback.format_exc()),
            api=client.stats.as_dict() if client is not None else None,
        )
    result["api"] = client.stats.as_dict()
    module.exit_json(**result)


def fail_on_input(module: AnsibleModule, check: Callable[[], Any]) -> Any:
    """Run input checks that raise ConfigError before any request; fail the task cleanly."""
    try:
        return check()
    except PatguardError as exc:
        module.fail_json(**exc.fail_kwargs())


def unavailable_result(module: AnsibleModule, exc: PatguardError, **empty: Any) -> dict[str, Any]:
    """A listing GitHub does not offer here (``when_unavailable``): ``fail`` raises ``exc``
    again; ``warn`` warns and returns ``empty`` with ``available`` false and the reason."""
    if module.params["when_unavailable"] != "warn":
        raise exc
    module.warn(exc.message)
    return dict(changed=False, **empty, available=False, unavailable_reason=exc.message)


def run_listing(kind: str, result_key: str) -> None:
    """``main()`` of the two ``_info`` modules: a filtered listing of requests or grants."""
    module = build_module(filter_argument_spec())
    params = module.params
    org, filters = fail_on_input(module, lambda: (check_org(params["org"]), filters_from_params(params)))

    def task(client: GitHubClient) -> dict[str, Any]:
        result = listing_result(client, org, kind, filters, params["include_repositories"], warn=module.warn)
        result["changed"] = False
        return result

    run(module, task, org=org)
