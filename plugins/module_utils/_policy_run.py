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

from ._errors import ConfigError, PatguardError
from ._pat import (
    KINDS,
    MAX_IDS_PER_BULK,
    add_repositories,
    check_filters,
    check_org,
    list_records,
    owners_not_members,
    review_requests,
    revoke_grants,
)
from ._policy import PolicyError, needs_repositories, plan, validate_policy

MODES = ("report", "enforce")
SCOPES = ("requests", "grants")
DEFAULT_PLAN_ROWS = 20
_ROW_ORDER = {"deny": 0, "approve": 1, "revoke": 2, "none": 3, "keep": 4, "exempt": 5}
_PREFIXES = ("Denied by policy: ", "Revoked by policy: ", "Violates policy: ", "Approved by policy: ")


def policy_argument_spec():
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
    )


class Progress:
    """Progress events of one pass, turned into a few lines by ``emit`` (never one per token).

    Pages are reported with the total from the ``Link`` header's ``last``, at most every
    ``interval`` seconds per listing (first and last page always); writes as sent of planned;
    every wait with its cause and length.
    """

    def __init__(self, emit=None, interval=5.0, clock=time.monotonic):
        self.emit = emit
        self.interval = interval
        self.clock = clock
        self.writes_planned = 0
        self.writes_sent = 0
        self.spacing = 0.0
        self._listing = None
        self._last_line = 0.0

    def say(self, text):
        if self.emit is not None:
            self.emit(text)

    def page(self, what, page, last):
        now = self.clock()
        final = last is None or page >= last
        if page == 1 or final or now - self._last_line >= self.interval or what != self._listing:
            self._listing = what
            self._last_line = now
            self.say("listing %s: page %d of %s" % (what, page, last if last is not None else page))

    def wait(self, seconds, cause):
        if cause == "write_interval":
            # Spacing before every write: said once, then summed on the writes line.
            if not self.spacing and seconds > 0:
                self.say("waiting %.1f s before each write (write interval, GitHub's pace for writes)" % seconds)
            self.spacing += seconds
        elif seconds >= 0.05:
            self.say("waiting %.1f s (%s)" % (seconds, cause.replace("_", " ")))

    def write(self):
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


def attach_progress(client, progress):
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


def planned_writes(the_plan):
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


def plan_table(decisions, summary, rows=DEFAULT_PLAN_ROWS, width=70):
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


def _side_result(kind, the_plan):
    decisions = [d for d in the_plan["decisions"] if d["kind"] == kind]
    counts = dict((key, 0) for key in the_plan["summary"]["decisions"])
    violations = {}
    for d in decisions:
        counts[d["decision"]] += 1
        for code in set(v["code"] for v in d["violations"]):
            violations[code] = violations.get(code, 0) + 1
    return decisions, {
        "requests": len(decisions) if kind == "request" else 0,
        "grants": len(decisions) if kind == "grant" else 0,
        "decisions": counts,
        "violations": dict(sorted(violations.items())),
    }


def check_inputs(params):
    """Validate every option before any request; returns (org, policy, filters)."""
    org = check_org(params["org"])
    try:
        policy = validate_policy(params.get("policy") or {})
    except PolicyError as exc:
        raise ConfigError(exc.message, key=exc.key, rule=exc.rule) from None
    filters = check_filters(owners=params.get("owners")) if params.get("owners") else {}
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


def run_pass(client, params, check_mode=False, progress=None, warn=None):
    """List, evaluate, fetch repository lists where decisions wait on them, and apply.

    Returns the module result (without ``api``). Raises PatguardError with the result so far
    (``applied``, ``not_processed``) in its details when a write fails part-way.
    """
    progress = progress or Progress()
    org, policy, filters = check_inputs(params)
    scope = params.get("scope") or list(SCOPES)
    mode = params.get("mode") or "report"
    enforce = mode == "enforce" and not check_mode
    actions = policy["actions"]
    if mode == "enforce" and all(value == "none" for value in actions.values()) and warn is not None:
        warn(
            "enforce mode with a policy that decides nothing: every action is none (an empty policy), so "
            "nothing is approved, denied or revoked; set actions.compliant_request, actions.violating_request "
            "or actions.violating_grant"
        )
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
    now = params.get("now") or None
    the_plan = plan(requests, grants, policy, now)
    fetched = 0
    gone = []
    if needs_repositories(policy):
        # Requests first: an approved upgrade decides its grant with the request's repositories.
        count = _fetch_repositories(client, org, "request", requests, the_plan["request_repositories_needed"], gone)
        if count:
            fetched += count
            the_plan = plan(requests, grants, policy, now)
        count = _fetch_repositories(client, org, "grant", grants, the_plan["repositories_needed"], gone, key="token_id")
        if count:
            fetched += count
            the_plan = plan(requests, grants, policy, now)
    review = the_plan["review"]
    if params.get("deny_reason"):
        review = [dict(item, reason=params["deny_reason"]) if item["action"] == "deny" else item for item in review]
    if "grants" not in scope:
        the_plan["revoke"] = []
        the_plan["decisions"] = [d for d in the_plan["decisions"] if d["kind"] == "request"]
    summary = the_plan["summary"]
    if "grants" not in scope:
        summary = dict(summary, grants=0)
    progress.writes_planned = planned_writes(the_plan) if enforce else 0
    progress.say(
        "evaluated %d requests and %d grants: %s; %d repository lists read; %d bulk writes %s"
        % (
            summary["requests"],
            len(grants) if "grants" in scope else 0,
            ", ".join("%s %d" % (k, v) for k, v in summary["decisions"].items() if v) or "nothing to decide",
            fetched,
            planned_writes(the_plan),
            "to send" if enforce else "planned",
        )
    )
    result = {
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
        "applied": {"approved": [], "denied": [], "revoked": [], "unchanged": [], "gone": list(gone)},
        "not_processed": [],
    }
    if params.get("return_records"):
        result["records"] = {"requests": requests, "grants": grants if "grants" in scope else []}
    if enforce:
        _apply(client, org, review, the_plan["revoke"], requests, grants, result)
    _publish_sides(result, the_plan, scope)
    return result


def _merge(applied, part, side):
    for key in ("approved", "denied", "revoked", "gone"):
        applied[key].extend(part.get(key) or [])
    # "unchanged": listed as pending/active, but already handled when the write was sent
    # (the key was "skipped" before; Ansible reads that one as its own flag).
    unchanged = part.get("unchanged", part.get("skipped")) or []
    applied["unchanged"].extend(unchanged)
    applied.setdefault("_" + side, []).extend(unchanged)


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
        done = set(applied["approved"] + applied["denied"] + applied["revoked"])
        left = [i for i in (details.get("not_processed") or []) if i not in done]
        left += [i for i in revoke_left if i not in done and i not in left]
        result["not_processed"] = sorted(left)
        result["changed"] = bool(done)
        _split_unchanged(applied)
        exc.details = dict(
            details,
            applied=applied,
            not_processed=result["not_processed"],
            summary=result["summary"],
            mode=result["mode"],
        )
        raise
    result["changed"] = bool(applied["approved"] or applied["denied"] or applied["revoked"])


def _split_unchanged(applied):
    applied["unchanged_by_kind"] = {"requests": applied.pop("_requests", []), "grants": applied.pop("_grants", [])}


def _publish_sides(result, the_plan, scope):
    """The review and hygiene results, shaped as roles pat_request_review and pat_grant_hygiene publish them."""
    applied = result["applied"]
    if "unchanged_by_kind" not in applied:
        _split_unchanged(applied)
    by_kind = applied.pop("unchanged_by_kind")
    decisions, summary = _side_result("request", the_plan)
    result["review"] = {
        "mode": result["mode"],
        "summary": summary,
        "decisions": decisions,
        "approved": applied["approved"],
        "denied": applied["denied"],
        "unchanged": by_kind["requests"],
        "gone": [g for g in applied["gone"] if isinstance(g, dict) and g.get("kind") == "request"],
    }
    decisions, summary = (
        _side_result("grant", the_plan)
        if "grants" in scope
        else ([], _side_result("grant", {"decisions": [], "summary": the_plan["summary"]})[1])
    )
    result["hygiene"] = {
        "mode": result["mode"],
        "summary": summary,
        "decisions": decisions,
        "revoked": applied["revoked"],
        "unchanged": by_kind["grants"],
        "gone": [g for g in applied["gone"] if isinstance(g, dict) and g.get("kind") == "grant"],
    }
