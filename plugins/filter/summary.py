# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that turn the roles' results into the short summaries operators read."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

_DECISION_ORDER = ("approve", "deny", "revoke", "keep", "none", "exempt")


def _counts_text(counts):
    parts = ["%s %d" % (key, counts[key]) for key in _DECISION_ORDER if counts.get(key)]
    parts += ["%s %d" % (key, value) for key, value in sorted(counts.items())
              if key not in _DECISION_ORDER and value]
    return ", ".join(parts) or "none"


def _codes_text(counts):
    return ", ".join("%s %d" % item for item in sorted(counts.items())) or "none"


def _check_result(result, name):
    if not isinstance(result, dict) or not isinstance(result.get("summary"), dict):
        raise AnsibleFilterError("%s: expected the result of a patguard.github policy role, got %s"
                                 % (name, type(result).__name__))


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
        lines.append("Applied: approved %d, denied %d, skipped %d" % (
            len(result.get("approved") or []), len(result.get("denied") or []), len(result.get("skipped") or [])))
    else:
        lines.append("Applied: revoked %d, skipped %d" % (
            len(result.get("revoked") or []), len(result.get("skipped") or [])))
    if result.get("api_requests") is not None:
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
    mode = review.get("mode", "report")
    lines = [
        "Token governance of %s (%s mode)" % (org or "the organization", mode),
        "Pending requests: %d; active grants: %d" % (review["summary"].get("requests", 0),
                                                    hygiene["summary"].get("grants", 0)),
        "Decisions: %s" % _counts_text(decisions),
        "Violations by code: %s" % _codes_text(violations),
        "Applied: approved %(approved)d, denied %(denied)d, revoked %(revoked)d" % applied,
        "GitHub API requests: %d" % api_requests,
    ]
    return {"org": org, "mode": mode, "decisions": decisions, "violations": dict(sorted(violations.items())),
            "applied": applied, "api_requests": api_requests, "lines": lines}


class FilterModule(object):
    def filters(self):
        return {
            "policy_summary_lines": policy_summary_lines,
            "policy_governance_summary": policy_governance_summary,
        }
