# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# This file is private to the patguard.github collection; its API may change at any time.
"""report.html: a page is a list of sections, each a model and a Jinja2 template.

The templates, the style and the script are real files in ``report_assets/`` (this code runs
on the controller, in the ``pat_report`` action). ``render_page`` puts them into one
self-contained page whose Content-Security-Policy allows exactly the inline style and
script, by SHA-256, and nothing else. ``token_sections`` builds the sections of one
organization's token report; another page (a roll-up of many organizations, a credential
authorizations section) passes its own ``Section`` list, reusing ``summary.html.j2``,
``charts.html.j2``, ``table.html.j2`` and the figure builders of ``_report_figures``.
"""

from __future__ import annotations

import base64
import collections
import hashlib
import os
from typing import Any, Iterable

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from ansible_collections.patguard.github.plugins.plugin_utils import _report_figures as fig
from ansible_collections.patguard.github.plugins.plugin_utils._report_model import (
    SCHEMA_VERSION,
    STATES,
    permission_list,
    text,
)
from ansible_collections.patguard.github.plugins.plugin_utils._report_text import (
    compact,
    decision_text,
    fmt,
    headline,
    pct,
    violation_text,
)

ASSETS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "report_assets")

Section = collections.namedtuple("Section", ("template", "model"))
Section.__doc__ = """One part of a page: ``template`` names a file of report_assets, rendered with ``m=model``."""

_ENV = []


def environment() -> Environment:
    """The Jinja2 environment of the report templates (autoescaping every value)."""
    if not _ENV:
        env = Environment(
            loader=FileSystemLoader(ASSETS),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.filters["safe_href"] = safe_href
        _ENV.append(env)
    return _ENV[0]


def asset(name: str) -> str:
    with open(os.path.join(ASSETS, name), encoding="utf-8") as handle:
        return handle.read()


def csp_hash(value: Any) -> str:
    return "'sha256-%s'" % base64.b64encode(hashlib.sha256(value.encode("utf-8")).digest()).decode("ascii")


def script_json(value: Any) -> str:
    """JSON safe inside a <script> element (no '</script>' or '<!--' can appear)."""
    return (
        compact(value)
        .replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def safe_href(target: Any) -> str:
    """A link target for a table cell: relative paths and http(s) only (no javascript:)."""
    value = text(target).strip()
    scheme = value.split(":", 1)[0].lower() if ":" in value.split("/", 1)[0] else ""
    return value if scheme in ("", "http", "https") else ""


def render_section(section: Section) -> str:
    return environment().get_template(section.template).render(m=section.model)


def render_page(
    title: str,
    heading: str,
    meta: str,
    sections: list[Section],
    footer: str = "",
    data: Any = None,
    generator: str = "patguard.github",
) -> str:
    """One self-contained HTML page of ``sections`` (a list of ``Section``).

    ``data`` (JSON-ready) becomes the ``#report-data`` block the token table reads; a page
    without it still gets sortable ``table.html.j2`` tables. Deterministic output.
    """
    css, js = asset("report.css").strip(), asset("report.js").strip()
    csp = "default-src 'none'; style-src %s; script-src %s; img-src data:; base-uri 'none'; form-action 'none'" % (
        csp_hash(css),
        csp_hash(js),
    )
    body = "".join(render_section(section) for section in sections)
    page = (
        environment()
        .get_template("page.html.j2")
        .render(
            csp=csp,
            generator=generator,
            title=title,
            heading=heading,
            meta=meta,
            footer=footer,
            css=Markup(css),
            js=Markup(js),
            body=Markup(body),
            data=Markup(script_json(data)) if data is not None else None,
        )
    )
    return page + "\n"


# --------------------------------------------------------------------------- the token report

_EXPIRY_COLORS = {
    "expired": fig.COLORS["bad"],
    "0-7 d": fig.COLORS["warn"],
    "8-30 d": fig.COLORS["caution"],
    "31-90 d": fig.COLORS["ok"],
    "91-365 d": "#7cb342",
    "> 365 d": fig.COLORS["warn"],
    "never": fig.COLORS["bad"],
}
_LAST_USE_COLORS = {
    "0-7 d": fig.COLORS["ok"],
    "8-30 d": "#7cb342",
    "31-90 d": fig.COLORS["caution"],
    "91-365 d": fig.COLORS["warn"],
    "> 365 d": fig.COLORS["bad"],
    "never": fig.COLORS["bad"],
}
_DRIFT_LABELS = (
    ("new", "New tokens"),
    ("removed", "Revoked / removed"),
    ("expired", "Expired since"),
    ("newly_violating", "Newly violating"),
    ("permission_upgrades", "Permission upgrades"),
    ("resolved", "Violations resolved"),
)
TABLE_COLUMNS = (
    ("owner", "Owner"),
    ("token", "Token"),
    ("state", "State"),
    ("selection", "Repositories"),
    ("permissions", "Permissions"),
    ("expires", "Expires"),
    ("last_used", "Last used"),
    ("violations", "Violations"),
    ("decision", "Decision"),
)
DRIFT_LIST_LIMIT = 50


def _kpis(report):
    s = report["summary"]
    states = s["by_state"]
    present = s["present"]
    level = fig.share_level
    return [
        fig.kpi("Active grants", states["active"] + states["approved"], "neutral", "grants held after this run"),
        fig.kpi("Pending requests", states["pending"], "neutral", "waiting for review"),
        fig.kpi(
            "Violating",
            s["violating"],
            level(s["violating"], present, 0.05),
            "%s%% of present tokens" % pct(s["violating_percent"]),
        ),
        fig.kpi("Never expire", s["never_expire"], level(s["never_expire"], present), "no expiry date"),
        fig.kpi("Expired", s["expired"], level(s["expired"], present, 1), "still listed"),
        fig.kpi("Expire in 30 days", s["expiring_30d"], "warn" if s["expiring_30d"] else "ok", "plan rotation"),
        fig.kpi(
            "Unused 90+ days",
            s["unused_90d"],
            level(s["unused_90d"], present, 0.1),
            "%s never used" % fmt(s["never_used"]),
        ),
        fig.kpi(
            "All repositories",
            s["all_repositories"],
            level(s["all_repositories"], present, 0.05),
            "repository selection all",
        ),
        fig.kpi("Admin level", s["admin_level"], level(s["admin_level"], present), "hold an admin permission"),
        fig.kpi(
            "Revoked / denied",
            states["revoked"] + states["denied"],
            "neutral",
            "by this run (%s mode)" % text(report["mode"]),
        ),
    ]


def summary_model(report: dict[str, Any]) -> dict[str, Any]:
    s = report["summary"]
    return {
        "verdict": "bad" if s["violating"] else "ok",
        "headline": headline(report),
        "tail": " \u00b7 %s owners" % fmt(s["owners"]),
        "subline": decision_text(report),
        "kpis": _kpis(report),
    }


def drift_model(report: dict[str, Any]) -> dict[str, Any]:
    drift = report.get("drift")
    if not drift:
        return {"baseline": None, "chips": None, "lists": []}
    counts = drift["counts"]
    chips = [
        {
            "name": name,
            "label": label,
            "count": fmt(counts[name]),
            "hot": bool(counts[name]) and name in ("newly_violating", "permission_upgrades", "new"),
        }
        for name, label in _DRIFT_LABELS
    ]
    lists = [
        {
            "label": label,
            "count": fmt(len(drift[name])),
            "entries": [
                {
                    "owner": text(i.get("owner")),
                    "token_name": text(i.get("token_name")),
                    "detail": text(i.get("detail")),
                }
                for i in drift[name][:DRIFT_LIST_LIMIT]
            ],
            "more": fmt(len(drift[name]) - DRIFT_LIST_LIMIT) if len(drift[name]) > DRIFT_LIST_LIMIT else None,
        }
        for name, label in _DRIFT_LABELS
        if drift[name]
    ]
    return {"baseline": text(drift.get("baseline_generated_at") or "an earlier run"), "chips": chips, "lists": lists}


def _violations_card(charts):
    code_series = [("open", fig.COLORS["open"]), ("resolved", fig.COLORS["resolved"])]
    return fig.card(
        "chart-violations",
        "Violations by code",
        "Tokens breaking each rule; grey: revoked or denied by this run.",
        fig.hbar(
            "svg-violations",
            [(r["code"], r) for r in charts["violations"]],
            code_series,
            "Tokens by violation code",
        ),
    )


def _expiry_card(charts):
    return fig.card(
        "chart-expiry",
        "Days to expiry",
        "Tokens present after this run. Red: never expires or already expired.",
        fig.vbar(
            "svg-expiry",
            [(r["label"], r["count"]) for r in charts["expiry"]],
            _EXPIRY_COLORS,
            "Tokens by days to expiry",
        ),
    )


def _last_use_card(charts):
    return fig.card(
        "chart-last-use",
        "Last use (grants)",
        "Days since an active grant was last used.",
        fig.vbar(
            "svg-last-use",
            [(r["label"], r["count"]) for r in charts["last_use"]],
            _LAST_USE_COLORS,
            "Grants by last use",
        ),
    )


def _owners_card(charts):
    owner_series = [("violating", fig.COLORS["violating"]), ("compliant", fig.COLORS["compliant"])]
    return fig.card(
        "chart-owners",
        "Tokens by owner",
        "Top %d of %d owners, most tokens first." % (len(charts["owners"]), charts["owners_total"]),
        fig.hbar(
            "svg-owners",
            [(r["owner"], r) for r in charts["owners"]],
            owner_series,
            "Tokens by owner",
            label_width=130,
            width=660,
        ),
        span="span3",
        legend_series=owner_series,
    )


def _permissions_card(charts):
    levels = [(name, fig.COLORS[name]) for name in ("read", "write", "admin", "other")]
    perm_rows = [(r["permission"], r) for r in charts["permissions"]]
    more = charts["permissions_total"] - len(perm_rows)
    return fig.card(
        "chart-permissions",
        "Permissions by level",
        "Tokens holding each permission, top %d%s."
        % (len(perm_rows), (" of %d" % charts["permissions_total"]) if more > 0 else ""),
        fig.hbar("svg-permissions", perm_rows, levels, "Tokens by permission and level", label_width=170, width=660),
        span="span3",
        legend_series=levels[:3],
    )


CHART_CARDS = (_violations_card, _expiry_card, _last_use_card, _owners_card, _permissions_card)


def chart_cards(charts: dict[str, Any]) -> list[dict[str, Any]]:
    """The token report's chart cards, in page order (one builder per card)."""
    return [card(charts) for card in CHART_CARDS]


def table_rows(report: dict[str, Any]) -> list[list[Any]]:
    """Compact rows for the page's script (arrays keep the embedded data small)."""
    rows = []
    for t in report["tokens"]:
        selection = t["repository_selection"] or ""
        if selection == "subset":
            selection = "subset (%s)" % ("?" if t["repository_count"] is None else t["repository_count"])
        rows.append(
            [
                t["owner"] or "",
                t["token_name"] or "",
                t["token_id"],
                t["kind"],
                t["id"],
                t["state"],
                selection,
                " ".join(permission_list(t["permissions"])),
                t["expires_at"],
                t["days_to_expiry"],
                t["expired"],
                t["last_used_at"],
                t["days_since_use"],
                [v["code"] for v in t["violations"]],
                violation_text(t),
                t["decision"] or "",
                t["max_level"],
            ]
        )
    return rows


def token_sections(report: dict[str, Any]) -> list[Section]:
    """The sections of one organization's token report, in page order."""
    s = report["summary"]
    codes = sorted(set(v["code"] for t in report["tokens"] for v in t["violations"]))
    return [
        Section("summary.html.j2", summary_model(report)),
        Section("drift.html.j2", drift_model(report)),
        Section("charts.html.j2", {"cards": chart_cards(report["charts"])}),
        Section(
            "tokens.html.j2",
            {
                "columns": TABLE_COLUMNS,
                "codes": codes,
                "states": [(st, fmt(s["by_state"][st])) for st in STATES if s["by_state"].get(st)],
            },
        ),
    ]


def render_html(report: dict[str, Any], page_size: int = 100, extra_sections: Iterable[Section] = ()) -> str:
    """report.html of one organization; ``extra_sections`` go after the token table."""
    s = report["summary"]
    org = report.get("org") or "organization"
    policy_note = "policy evaluated" if report.get("policy") is not None else "evaluation supplied by the caller"
    meta = "Evaluated %s \u00b7 generated %s \u00b7 %s mode \u00b7 %s \u00b7 %s tokens (%s requests, %s grants)" % (
        report["evaluated_at"],
        report["generated_at"],
        text(report["mode"]),
        policy_note,
        fmt(s["tokens"]),
        fmt(s["requests"]),
        fmt(s["grants"]),
    )
    return render_page(
        title="Token inventory: %s" % org,
        heading="Fine-grained token inventory: %s" % org,
        meta=meta,
        sections=token_sections(report) + list(extra_sections),
        footer="patguard.github pat_report \u00b7 report.json schema %d \u00b7 self-contained: this file loads "
        "nothing from the network." % SCHEMA_VERSION,
        data={"page_size": int(page_size), "rows": table_rows(report)},
        generator="patguard.github pat_report, schema %d" % SCHEMA_VERSION,
    )
