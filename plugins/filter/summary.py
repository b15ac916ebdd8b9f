# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that turn the roles' results into the short summaries operators read."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

_DECISION_ORDER = ("approve", "deny", "revoke", "keep", "none", "exempt")


def _counts_text(counts):
    parts = ["%s %d" % (key, counts[key]) for key in _DECISION_ORDER if counts.get(key)]
    parts += ["%s %d" % (key, value) for key, value in sorted(counts.items()) if key not in _DECISION_ORDER and value]
    return ", ".join(parts) or "none"


def _codes_text(counts):
    return ", ".join("%s %d" % item for item in sorted(counts.items())) or "none"


_WAIT_KEYS = ("write_interval", "retry_after", "backoff", "primary_reset")


def policy_api_totals(stats):
    """Add up the ``api`` results of several patguard tasks (skipped tasks give None).

    Requests, writes, retries and seconds waited are summed; the rate-limit figures are
    the lowest budget left (every task of a run spends the same installation's budget).
    """
    if isinstance(stats, dict):
        stats = [stats]
    if not isinstance(stats, (list, tuple)):
        raise AnsibleFilterError("policy_api_totals: expected a list of api results, got %s" % type(stats).__name__)
    totals = {
        "tasks": 0,
        "requests": 0,
        "writes": 0,
        "retries": 0,
        "rate_limit_remaining": None,
        "rate_limit_limit": None,
        "waited_seconds": dict((k, 0.0) for k in _WAIT_KEYS),
    }
    for item in stats:
        if not isinstance(item, dict):
            continue
        totals["tasks"] += 1
        for key in ("requests", "writes", "retries"):
            totals[key] += int(item.get(key) or 0)
        remaining = item.get("rate_limit_remaining")
        if remaining is not None and (
            totals["rate_limit_remaining"] is None or int(remaining) < totals["rate_limit_remaining"]
        ):
            totals["rate_limit_remaining"] = int(remaining)
            totals["rate_limit_limit"] = item.get("rate_limit_limit")
        for key, value in (item.get("waited_seconds") or {}).items():
            totals["waited_seconds"][key] = totals["waited_seconds"].get(key, 0.0) + float(value or 0)
    totals["waited_seconds"] = dict((k, round(v, 3)) for k, v in totals["waited_seconds"].items())
    totals["waited_total"] = round(sum(totals["waited_seconds"].values()), 3)
    return totals


def _api_line(api):
    """One line with what the GitHub API cost, or None without figures."""
    if not isinstance(api, dict) or not api.get("tasks"):
        return None
    budget = "unknown"
    if api.get("rate_limit_remaining") is not None:
        budget = "%s of %s left" % (api["rate_limit_remaining"], api.get("rate_limit_limit") or "?")
    waited = api.get("waited_seconds") or {}
    return (
        "GitHub API: %d requests (%d writes, %d retries); rate limit %s; waited %.1f s "
        "(write spacing %.1f, Retry-After %.1f, backoff %.1f, primary reset %.1f)"
        % (
            api.get("requests", 0),
            api.get("writes", 0),
            api.get("retries", 0),
            budget,
            float(api.get("waited_total") or 0),
            float(waited.get("write_interval") or 0),
            float(waited.get("retry_after") or 0),
            float(waited.get("backoff") or 0),
            float(waited.get("primary_reset") or 0),
        )
    )


def _check_result(result, name):
    if not isinstance(result, dict) or not isinstance(result.get("summary"), dict):
        raise AnsibleFilterError(
            "%s: expected the result of a patguard.github policy role, got %s" % (name, type(result).__name__)
        )


def policy_summary_lines(result, what="records"):
    """Lines describing one role's result: counts by decision and by violation code."""
    _check_result(result, "policy_summary_lines")
    summary = result["summary"]
    total = summary.get("requests" if what == "requests" else "grants", 0)
    lines = [
        "%s %s evaluated (%s mode)" % (total, what, result.get("mode", "report")),
        "Decisions: %s" % _counts_text(summary.get("decisions") or {}),
        "Violations by code: %s" % _codes_text(summary.get("violations") or {}),
    ]
    if what == "requests":
        lines.append(
            "Applied: approved %d, denied %d, unchanged %d, gone %d"
            % (
                len(result.get("approved") or []),
                len(result.get("denied") or []),
                len(result.get("unchanged") or []),
                len(result.get("gone") or []),
            )
        )
    else:
        lines.append(
            "Applied: revoked %d, unchanged %d, gone %d"
            % (len(result.get("revoked") or []), len(result.get("unchanged") or []), len(result.get("gone") or []))
        )
    api_line = _api_line(result.get("api"))
    if api_line:
        lines.append(api_line)
    elif result.get("api_requests") is not None:  # a result without the api totals
        lines.append("GitHub API requests: %s" % result["api_requests"])
    return lines


def policy_governance_summary(review, hygiene, org=None):
    """One summary of a governance pass (review + hygiene): counts, violations and lines."""
    _check_result(review, "policy_governance_summary")
    _check_result(hygiene, "policy_governance_summary")
    decisions = {}
    violations = {}
    for part in (review, hygiene):
        for key, value in (part["summary"].get("decisions") or {}).items():
            decisions[key] = decisions.get(key, 0) + value
        for key, value in (part["summary"].get("violations") or {}).items():
            violations[key] = violations.get(key, 0) + value
    applied = {
        "approved": len(review.get("approved") or []),
        "denied": len(review.get("denied") or []),
        "revoked": len(hygiene.get("revoked") or []),
    }
    api_requests = int(review.get("api_requests") or 0) + int(hygiene.get("api_requests") or 0)
    api = (
        policy_api_totals([review.get("api"), hygiene.get("api")])
        if isinstance(review.get("api"), dict) or isinstance(hygiene.get("api"), dict)
        else None
    )
    if api is not None:
        # Each part's totals already count its own tasks.
        api["tasks"] = sum(int((part.get("api") or {}).get("tasks") or 0) for part in (review, hygiene))
    mode = review.get("mode", "report")
    lines = [
        "Token governance of %s (%s mode)" % (org or "the organization", mode),
        "Pending requests: %d; active grants: %d"
        % (review["summary"].get("requests", 0), hygiene["summary"].get("grants", 0)),
        "Decisions: %s" % _counts_text(decisions),
        "Violations by code: %s" % _codes_text(violations),
        "Applied: approved %(approved)d, denied %(denied)d, revoked %(revoked)d" % applied,
    ]
    lines.append(_api_line(api) or "GitHub API requests: %d" % api_requests)
    return {
        "org": org,
        "mode": mode,
        "decisions": decisions,
        "violations": dict(sorted(violations.items())),
        "applied": applied,
        "api_requests": api_requests,
        "api": api,
        "lines": lines,
    }


class FilterModule:
    def filters(self):
        return {
            "policy_summary_lines": policy_summary_lines,
            "policy_governance_summary": policy_governance_summary,
            "policy_api_totals": policy_api_totals,
        }
