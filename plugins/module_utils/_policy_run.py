# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The whole policy pass in one process: list, evaluate, fetch what decisions wait on, apply.

Used by module ``pat_policy`` and, in-process on the controller, by its action plugin (which
adds the progress display). Each kind is listed once; repository lists are fetched only for
the records whose decision waits on them; the writes are the plan's bulk calls, one App
token for the whole pass. Private to this collection.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Dict, List, Optional, Tuple

from ._catalog import MAX_IDS_PER_BULK
from ._errors import ConfigError, PatguardError
from ._pat import KINDS, add_repositories, check_filters, check_org, list_records, owners_not_members
from ._pat_writes import review_requests, revoke_grants
from ._policy import needs_repositories, plan
from ._policy_schema import PolicyError, validate_policy

MODES = ("report", "enforce")
SCOPES = ("requests", "grants")
DEFAULT_PLAN_ROWS = 20
_ROW_ORDER = {"deny": 0, "approve": 1, "revoke": 2, "none": 3, "keep": 4, "exempt": 5}
_PREFIXES = ("Denied by policy: ", "Revoked by policy: ", "Violates policy: ", "Approved by policy: ")


def policy_argument_spec() -> Dict[str, Dict[str, Any]]:
    """The options of pat_policy (the connection options are added by the caller)."""
    return dict(
        org=dict(type="str", required=True),
        policy=dict(type="dict", default={}),
        mode=dict(type="str", choices=list(MODES), default="report"),
        scope=dict(type="list", elements="str", choices=list(SCOPES), default=list(SCOPES)),
        owners=dict(type="list", elements="str"),
        deny_reason=dict(type="str"),
        now=dict(type="str"),
        plan_rows=dict(type="int", default=DEFAULT_PLAN_ROWS),
        return_records=dict(type="bool", default=False),
        hide_result=dict(type="bool", default=False),
    )


class Progress:
    """Progress events of one pass, turned into a few lines by ``emit`` (never one per token).

    Pages are reported with the total from the ``Link`` header's ``last``, at most every
    ``interval`` seconds per listing (first and last page always); writes as sent of planned;
    every wait with its cause and length.
    """

    def __init__(
        self,
        emit: Optional[Callable[[str], None]] = None,
        interval: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.emit = emit
        self.interval = interval
        self.clock = clock
        self.writes_planned = 0
        self.writes_sent = 0
        self.spacing = 0.0
        self._listing = None
        self._last_line = 0.0

    def say(self, text: str) -> None:
        if self.emit is not None:
            self.emit(text)

    def page(self, what: str, page: int, last: Optional[int]) -> None:
        now = self.clock()
        final = last is None or page >= last
        if page == 1 or final or now - self._last_line >= self.interval or what != self._listing:
            self._listing = what
            self._last_line = now
            self.say("listing %s: page %d of %s" % (what, page, last if last is not None else page))

    def wait(self, seconds: float, cause: str) -> None:
        if cause == "write_interval":
            # Spacing before every write: said once, then summed on the writes line.
            if not self.spacing and seconds > 0:
                self.say("waiting %.1f s before each write (write interval, GitHub's pace for writes)" % seconds)
            self.spacing += seconds
        elif seconds >= 0.05:
            self.say("waiting %.1f s (%s)" % (seconds, cause.replace("_", " ")))

    def write(self) -> None:
        self.writes_sent += 1
        now = self.clock()
        if self.writes_sent == 1 or self.writes_sent >= self.writes_planned or now - self._last_line >= self.interval:
            self._last_line = now
            self.say(
                "writes: %d sent, %d to send%s"
                % (
                    self.writes_sent,
                    max(self.writes_planned - self.writes_sent, 0),
                    "; %.0f s of write spacing so far" % self.spacing if self.spacing else "",
                )
            )


def _what(path):
    """``requests``/``grants`` for the two listing endpoints, None for anything else."""
    bare = (path or "").split("?")[0]
    for kind, (template, _normalize) in KINDS.items():
        if bare.endswith(template.split("%s")[1]):
            return kind + "s"
    return None


def attach_progress(client: Any, progress: Progress) -> Any:
    """Feed ``progress`` from the client's event sink (``client.progress``): listing pages
    of the two kinds (with the ``Link`` header's ``last``), bulk writes, every wait."""

    def sink(event):
        try:
            kind = event.get("event")
            if kind == "page":
                what = _what(event.get("path"))
                if what:
                    progress.page(what, int(event.get("page") or 1), event.get("pages"))
            elif kind == "write" and _what(event.get("path")):
                progress.write()
            elif kind == "wait":
                progress.wait(float(event.get("seconds") or 0), str(event.get("cause") or "wait"))
        except Exception:  # pylint: disable=broad-except  # progress must never break the pass
            pass

    client.progress = sink
    return client


def planned_writes(the_plan: Dict[str, Any]) -> int:
    """Bulk calls the plan needs: one per reason group of 100 ids, revokes 100 a call."""
    revoke = len(the_plan["revoke"])
    return len(the_plan["approve"]) + len(the_plan["deny"]) + (revoke + MAX_IDS_PER_BULK - 1) // MAX_IDS_PER_BULK


def _rows(decisions):
    return sorted(decisions, key=lambda d: (_ROW_ORDER.get(d.get("decision"), 9), d.get("kind") != "request"))


def _reasons(decision):
    reason = decision.get("reason")
    if reason:
        for prefix in _PREFIXES:
            if reason.startswith(prefix):
                return reason[len(prefix) :]
        return reason
    codes = sorted(set(v.get("code") for v in decision.get("violations") or []))
    return ", ".join(codes)


def plan_table(
    decisions: List[Dict[str, Any]], summary: Dict[str, Any], rows: int = DEFAULT_PLAN_ROWS, width: int = 70
) -> List[str]:
    """The per-record plan as text lines: owner, token, kind, decision, reasons; up to
    ``rows`` rows (acting decisions first), then one line for the rest by decision."""
    lines = []
    shown = _rows(decisions)[: max(rows, 0)] if rows else []
    if shown:
        cells = [("owner", "token", "kind", "decision", "reasons")]
        for d in shown:
            token = "%s (#%s)" % (d.get("token_name") or "?", d.get("token_id"))
            reasons = _reasons(d)
            if len(reasons) > width:
                reasons = reasons[: width - 1] + "…"
            cells.append((str(d.get("owner") or "?"), token, d.get("kind") or "", d.get("decision") or "", reasons))
        widths = [max(len(c[i]) for c in cells) for i in range(4)]
        for c in cells:
            lines.append("  ".join(c[i].ljust(widths[i]) for i in range(4)) + "  " + c[4])
    rest = len(decisions) - len(shown)
    if rest > 0:
        counts = {}
        for d in _rows(decisions)[len(shown) :]:
            counts[d.get("decision")] = counts.get(d.get("decision"), 0) + 1
        lines.append(
            "... and %d more records (%s); raise plan_rows to list them"
            % (rest, ", ".join("%s %d" % (k, counts[k]) for k in sorted(counts, key=lambda k: _ROW_ORDER.get(k, 9))))
        )
    return lines


def _side_summary(kind, the_plan):
    """The summary of one kind's decisions (counts by decision, records per violation code)."""
    decisions = [d for d in the_plan["decisions"] if d["kind"] == kind]
    counts = dict((key, 0) for key in the_plan["summary"]["decisions"])
    violations = {}
    for d in decisions:
        counts[d["decision"]] += 1
        for code in set(v["code"] for v in d["violations"]):
            violations[code] = violations.get(code, 0) + 1
    return {
        "requests": len(decisions) if kind == "request" else 0,
        "grants": len(decisions) if kind == "grant" else 0,
        "decisions": counts,
        "violations": dict(sorted(violations.items())),
    }


def check_inputs(params: Dict[str, Any]) -> Tuple[str, Dict[str, Any], Dict[str, Any]]:
    """Validate every option before any request; returns (org, policy, filters)."""
    org = check_org(params["org"])
    # Logins before the policy: a policy built from them (denied_owners, as pat_offboarding does)
    # then fails on the login rule, not on a glob rule its user never wrote.
    filters = check_filters(owners=params.get("owners")) if params.get("owners") else {}
    try:
        policy = validate_policy(params.get("policy") or {})
    except PolicyError as exc:
        raise ConfigError(exc.message, key=exc.key, rule=exc.rule) from None
    if params.get("plan_rows") is not None and params["plan_rows"] < 0:
        raise ConfigError("plan_rows: must be 0 or more, got %d" % params["plan_rows"])
    return org, policy, filters


def _fetch_repositories(client, org, kind, records, wanted, gone, key="id"):
    """Read the repository lists of the ``wanted`` records; a record that vanished meanwhile
    (cancelled, or handled in the web UI) is dropped from ``records`` and listed in ``gone``."""
    wanted = set(wanted)
    if not wanted:
        return 0
    chosen = [r for r in records if r.get(key) in wanted]
    count = len(chosen)
    before = len(gone)
    add_repositories(client, org, kind, chosen, gone=gone)
    vanished = set(g.get("id") for g in gone[before:])
    if vanished:
        records[:] = [r for r in records if r.get("id") not in vanished]
    return count


def run_pass(
    client: Any,
    params: Dict[str, Any],
    check_mode: bool = False,
    progress: Optional[Progress] = None,
    warn: Optional[Callable[[str], None]] = None,
) -> Dict[str, Any]:
    """List, evaluate, fetch repository lists where decisions wait on them, and apply.

    Returns the module result (without ``api``). Raises PatguardError with the result so far
    (``applied``, ``not_processed``) in its details when a write fails part-way.
    """
    progress = progress or Progress()
    org, policy, filters = check_inputs(params)
    scope = params.get("scope") or list(SCOPES)
    mode = params.get("mode") or "report"
    enforce = mode == "enforce" and not check_mode
    if mode == "enforce" and warn is not None:
        _warn_if_nothing_decided(policy, warn)
    requests, grants = _list(client, org, scope, filters, warn)
    the_plan, fetched, gone = _evaluate(client, org, policy, requests, grants, params.get("now") or None)
    review = _review_items(the_plan, params.get("deny_reason"))
    summary = _scoped(the_plan, scope)
    progress.writes_planned = planned_writes(the_plan) if enforce else 0
    progress.say(_evaluated_line(summary, len(grants) if "grants" in scope else 0, fetched, the_plan, enforce))
    result = _result(the_plan, summary, fetched, gone, enforce, params)
    if params.get("return_records"):
        result["records"] = {"requests": requests, "grants": grants if "grants" in scope else []}
    if enforce:
        _apply(client, org, review, the_plan["revoke"], requests, grants, result)
    _publish_sides(result, the_plan, scope)
    return result


def hide_from_callbacks(result: Dict[str, Any], params: Dict[str, Any], diff: bool) -> None:
    """With ``hide_result``, mark a successful ``result`` for Ansible to censor before its callbacks.

    The registered variable stays whole (Ansible registers the uncensored result); only the
    callbacks' copy of every decision is spared. Not in diff mode: the diff is part of the result.
    """
    if params.get("hide_result") and not diff:
        result["_ansible_no_log"] = True


def _warn_if_nothing_decided(policy, warn):
    if all(value == "none" for value in policy["actions"].values()):
        warn(
            "enforce mode with a policy that decides nothing: every action is none (an empty policy), so "
            "nothing is approved, denied or revoked; set actions.compliant_request, actions.violating_request "
            "or actions.violating_grant"
        )


def _list(client, org, scope, filters, warn):
    """Each kind listed once (GitHub's own filters); warns for owners that are not members."""
    requests = list_records(client, org, "request", filters) if "requests" in scope else []
    if "grants" in scope:
        grants = list_records(client, org, "grant", filters)
    else:
        # Permission-upgrade requests are judged on the grant they widen: read only those.
        tokens = sorted(set(r["token_id"] for r in requests if isinstance(r.get("token_id"), int)))
        grants = list_records(client, org, "grant", dict(filters, token_ids=tokens)) if tokens else []
    if filters.get("owners") and warn is not None:
        for message in owners_not_members(client, org, filters["owners"], requests + grants):
            warn(message)
    return requests, grants


def _evaluate(client, org, policy, requests, grants, now):
    """The plan, re-made after reading the repository lists its decisions wait on.

    Returns (plan, repository lists read, records gone meanwhile)."""
    the_plan = plan(requests, grants, policy, now)
    fetched = 0
    gone = []
    if needs_repositories(policy):
        # Requests first: an approved upgrade decides its grant with the request's repositories.
        count = _fetch_repositories(client, org, "request", requests, the_plan["request_repositories_needed"], gone)
        if count:
            fetched += count
            the_plan = None  # never two plans of 12,000 decisions in memory at once
            the_plan = plan(requests, grants, policy, now)
        count = _fetch_repositories(client, org, "grant", grants, the_plan["repositories_needed"], gone, key="token_id")
        if count:
            fetched += count
            the_plan = None
            the_plan = plan(requests, grants, policy, now)
    return the_plan, fetched, gone


def _review_items(the_plan, deny_reason):
    """The plan's review items, every deny carrying ``deny_reason`` when one is given."""
    review = the_plan["review"]
    if deny_reason:
        review = [dict(item, reason=deny_reason) if item["action"] == "deny" else item for item in review]
    return review


def _scoped(the_plan, scope):
    """Drops the grants' side from the plan when out of scope; returns the summary to report."""
    if "grants" in scope:
        return the_plan["summary"]
    the_plan["revoke"] = []
    the_plan["decisions"] = [d for d in the_plan["decisions"] if d["kind"] == "request"]
    return dict(the_plan["summary"], grants=0)


def _evaluated_line(summary, grants, fetched, the_plan, enforce):
    return "evaluated %d requests and %d grants: %s; %d repository lists read; %d bulk writes %s" % (
        summary["requests"],
        grants,
        ", ".join("%s %d" % (k, v) for k, v in summary["decisions"].items() if v) or "nothing to decide",
        fetched,
        planned_writes(the_plan),
        "to send" if enforce else "planned",
    )


def _result(the_plan, summary, fetched, gone, enforce, params):
    return {
        "changed": False,
        "mode": "enforce" if enforce else "report",
        "summary": summary,
        "decisions": the_plan["decisions"],
        "plan": {
            "approve": the_plan["approve"],
            "deny": the_plan["deny"],
            "revoke": the_plan["revoke"],
            "writes": planned_writes(the_plan),
            "repository_lists": fetched,
            "evaluated_at": the_plan["evaluated_at"],
            "upgrades": the_plan["upgrades"],
        },
        "plan_table": plan_table(the_plan["decisions"], summary, params.get("plan_rows", DEFAULT_PLAN_ROWS)),
        "applied": {
            "approved": [],
            "denied": [],
            "revoked": [],
            "unchanged": [],
            "gone": list(gone),
            "unconfirmed": [],
        },
        "not_processed": [],
    }


def _merge(applied, part, side):
    """Adds one bulk outcome (or the details of its failure) to ``applied``, id by id."""
    for key in ("approved", "denied", "revoked", "gone", "unconfirmed"):
        applied[key].extend(part.get(key) or [])
    # "unchanged": listed as pending/active, but already handled when the write was sent
    # (the key was "skipped" before; Ansible reads that one as its own flag).
    unchanged = part.get("unchanged", part.get("skipped")) or []
    applied["unchanged"].extend(unchanged)
    applied.setdefault("_" + side, []).extend(unchanged)
    # Sent and accepted, not yet visible in GitHub's listing: neither done nor left to do.
    applied.setdefault("_unconfirmed_" + side, []).extend(part.get("unconfirmed") or [])


def _settled(applied):
    """Ids the pass has an answer for: done, sent-but-unconfirmed, or gone."""
    ids = set(applied["approved"] + applied["denied"] + applied["revoked"] + applied["unconfirmed"])
    ids.update(g.get("id") for g in applied["gone"] if isinstance(g, dict))
    return ids


def _apply(client, org, review, revoke, requests, grants, result):
    applied = result["applied"]
    revoke_left = list(revoke)
    review_done = False
    try:
        if review:
            part = review_requests(client, org, review, refresh=False, pending=set(r["id"] for r in requests))
            _merge(applied, part, "requests")
        review_done = True
        if revoke:
            token_of = dict((g["id"], g.get("token_id")) for g in grants)
            part = revoke_grants(client, org, revoke, active=set(g["id"] for g in grants), token_of=token_of)
            _merge(applied, part, "grants")
            revoke_left = []
    except PatguardError as exc:
        details = exc.details if isinstance(getattr(exc, "details", None), dict) else {}
        _merge(applied, details, "grants" if review_done else "requests")
        settled = _settled(applied)
        left = [i for i in (details.get("not_processed") or []) if i not in settled]
        left += [i for i in revoke_left if i not in settled and i not in left]
        result["not_processed"] = sorted(left)
        result["changed"] = _changed(applied)
        _split_unchanged(applied)
        exc.details = dict(
            details,
            applied=applied,
            not_processed=result["not_processed"],
            summary=result["summary"],
            mode=result["mode"],
        )
        raise
    result["changed"] = _changed(applied)


def _changed(applied):
    # An unconfirmed id was accepted by GitHub (as pat_request/pat_grant count it): a change.
    return bool(applied["approved"] or applied["denied"] or applied["revoked"] or applied["unconfirmed"])


def _split_unchanged(applied):
    applied["unchanged_by_kind"] = {"requests": applied.pop("_requests", []), "grants": applied.pop("_grants", [])}
    applied["unconfirmed_by_kind"] = {
        "requests": applied.pop("_unconfirmed_requests", []),
        "grants": applied.pop("_unconfirmed_grants", []),
    }


def _publish_sides(result, the_plan, scope):
    """The review and hygiene results, shaped as roles pat_request_review and pat_grant_hygiene publish them.

    Without their ``decisions``: those are the result's own, by ``kind`` (the roles add them).
    Ansible copies a registered result once per reference, so a second list would cost memory.
    """
    applied = result["applied"]
    if "unchanged_by_kind" not in applied:
        _split_unchanged(applied)
    by_kind = applied.pop("unchanged_by_kind")
    unconfirmed = applied.pop("unconfirmed_by_kind")
    summary = _side_summary("request", the_plan)
    result["review"] = {
        "mode": result["mode"],
        "summary": summary,
        "approved": applied["approved"],
        "denied": applied["denied"],
        "unchanged": by_kind["requests"],
        "unconfirmed": unconfirmed["requests"],
        "gone": [g for g in applied["gone"] if isinstance(g, dict) and g.get("kind") == "request"],
    }
    summary = _side_summary(
        "grant", the_plan if "grants" in scope else {"decisions": [], "summary": the_plan["summary"]}
    )
    result["hygiene"] = {
        "mode": result["mode"],
        "summary": summary,
        "revoked": applied["revoked"],
        "unchanged": by_kind["grants"],
        "unconfirmed": unconfirmed["grants"],
        "gone": [g for g in applied["gone"] if isinstance(g, dict) and g.get("kind") == "grant"],
    }
