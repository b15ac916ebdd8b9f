# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bulk writes to fine-grained PAT requests and grants. Private to this collection.

Idempotent review and revoke: act only on what GitHub still lists as pending or active, in
as few bulk calls of at most 100 ids as the grouping allows, and reconcile from a fresh
listing whenever GitHub's answer to a write is lost or refused. Inputs and listings are in
``_pat.py``.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Set

from ._catalog import MAX_IDS_PER_BULK
from ._errors import AmbiguousWriteError, ConfigError, GitHubAPIError, PatguardError
from ._pat import KINDS, gone_record, is_refusal, list_records
from ._records import chunks, grouped_chunks

RECONCILE_ROUNDS = 3  # listings after a lost or refused write answer, before giving up
RECONCILE_WAITS = (0, 1, 3)  # seconds before each of those listings: a listing may lag behind a 202


def group_decisions(decisions: Iterable[Mapping[str, Any]]) -> List[Dict[str, Any]]:
    """Bulk calls: ids grouped by (action, reason), at most 100 per call, first-seen order."""
    pairs = (((d["action"], d["reason"]), d["id"]) for d in decisions)
    return [{"action": key[0], "reason": key[1], "ids": ids} for key, ids in grouped_chunks(pairs, MAX_IDS_PER_BULK)]


class _Outcome:
    """What a run did so far, id by id, each id under exactly one key; reported as-is on failure."""

    def __init__(self, done_keys):
        self.done = dict((key, []) for key in done_keys)
        self.gone = []  # {id, kind, token_id, step}: vanished between our listing and our call
        self.unconfirmed = []  # GitHub said "already handled", the listing still shows them

    def as_result(self):
        result = dict((key, list(ids)) for key, ids in self.done.items())
        result["gone"] = list(self.gone)
        result["unconfirmed"] = list(self.unconfirmed)
        return result

    def fail(self, exc, pending_ids):
        details = dict(exc.details) if isinstance(exc, PatguardError) else {}
        details.update(self.as_result())
        details["not_processed"] = sorted(pending_ids)
        counts = ["%s %d" % (k, len(v)) for k, v in self.done.items()]
        counts += ["gone %d" % len(self.gone), "unconfirmed %d" % len(self.unconfirmed)]
        done_count = sum(len(v) for v in self.done.values()) + len(self.unconfirmed)
        message = (
            "%s. Done before the failure: %d (%s); not processed: %d ids, listed in not_processed. "
            "Running the task again finishes the job."
            % (
                exc.message if isinstance(exc, PatguardError) else str(exc),
                done_count,
                ", ".join(counts),
                len(pending_ids),
            )
        )
        return PatguardError(message, **details)


def _still_present(client, org, kind, ids, token_ids):
    """Which of ``ids`` GitHub still lists (pending requests / active grants).

    Only the listing of ``kind`` counts: a pending permission-upgrade request and the active
    grant of the same token share a ``token_id``, so "a grant exists for this token" says
    nothing about the request, and the other way round.
    """
    wanted = set(ids)
    if token_ids and len(token_ids) == len(ids):
        records = list_records(client, org, kind, {"token_ids": token_ids})
    else:
        records = list_records(client, org, kind, {})
    return set(r["id"] for r in records if r["id"] in wanted)


def _pause(client, seconds):
    """Wait before listing again (a listing may lag behind a 202); counted in ``api.waited_seconds``."""
    hold = getattr(client, "_hold", None)
    if hold is not None and seconds > 0:
        hold(seconds, "reconcile")


# Per id of a bulk write: where it stands. "lost": sent, the answer never came; "handled": sent
# again after a lost answer and refused, which is what GitHub may answer for ids it has already
# handled; "refused": refused without ever being lost, so someone else may have handled it;
# "stuck": refused although GitHub still lists it and nothing else in the call was to blame.
_SEND, _LOST, _HANDLED, _REFUSED, _STUCK = "send", "lost", "handled", "refused", "stuck"


def _send_bulk(client, org, kind, body_for, ids, token_of, outcome, done_key, step):
    """One bulk write of ``ids``; reconcile every lost or refused answer from the listing.

    GitHub answers a bulk write 202 Accepted and documents neither when the change becomes
    visible nor what a second submission of a handled id answers (404 and 422 are possible).
    So: a 202 is done. After a lost answer the listing decides: gone from it, done; still in
    it, sent again (the first write may not have arrived, or the listing lags). A resend
    refused after a lost answer means "already handled": done, and later listings only
    confirm it. An id refused that was never lost and is gone from the listing was handled by
    someone else (``gone``); the rest of its call is sent again without it.

    Bounded: at most ``RECONCILE_ROUNDS`` listings, waiting ``RECONCILE_WAITS`` seconds before
    each. Ids GitHub called handled that the listing still shows at the end go to
    ``unconfirmed`` (not a failure: the work is done, the listing is late). Raises, with the
    outcome so far, only for a last resend whose answer was lost again, for ids GitHub refuses
    while it still lists them after every round, and for any other error.
    """
    write = _BulkWrite(client, org, kind, body_for, ids, token_of, outcome, done_key, step)
    listings = 0
    while True:
        write.send()
        open_ids = [i for i in ids if i in write.state]
        if not open_ids or listings == RECONCILE_ROUNDS:
            break
        write.reconcile(open_ids, RECONCILE_WAITS[min(listings, len(RECONCILE_WAITS) - 1)])
        listings += 1
    write.finish()


class _BulkWrite:
    """One bulk write under way: the state of each id (see _send_bulk) and the last error."""

    def __init__(self, client, org, kind, body_for, ids, token_of, outcome, done_key, step):
        self.client, self.org, self.kind, self.step = client, org, kind, step
        self.path = KINDS[kind][0] % org
        self.body_for, self.ids, self.token_of = body_for, ids, token_of
        self.outcome, self.done_key = outcome, done_key
        self.state = dict((i, _SEND) for i in ids)
        self.lost_before = set()
        self.last_refused = set()
        self.error = None

    def send(self):
        """Send the ids whose state is _SEND, in one call; record what GitHub answered."""
        batch = [i for i in self.ids if self.state.get(i) == _SEND]
        if not batch:
            return
        try:
            self.client.request("POST", self.path, json=self.body_for(batch))
        except AmbiguousWriteError as exc:
            self.error = exc
            self.state.update((i, _LOST) for i in batch)
        except GitHubAPIError as exc:
            if not is_refusal(exc):
                raise
            self.error = exc
            self.last_refused = set(batch)
            self.state.update((i, _HANDLED if i in self.lost_before else _REFUSED) for i in batch)
        else:
            for i in batch:
                del self.state[i]
                self.outcome.done[self.done_key].append(i)

    def reconcile(self, open_ids, wait):
        """List again after ``wait`` seconds and settle, or resend, each open id."""
        _pause(self.client, wait)
        tokens = [self.token_of[i] for i in open_ids if self.token_of.get(i)]
        present = _still_present(
            self.client, self.org, self.kind, open_ids, tokens if len(tokens) == len(open_ids) else None
        )
        blame_elsewhere = bool(self.last_refused - present)
        for i in open_ids:
            if i not in present:
                if self.state[i] in (_LOST, _HANDLED):
                    self.outcome.done[self.done_key].append(i)
                else:
                    self.outcome.gone.append(gone_record(i, self.kind, self.step, self.token_of.get(i)))
                del self.state[i]
            elif self.state[i] == _LOST:
                self.lost_before.add(i)
                self.state[i] = _SEND
            elif self.state[i] == _REFUSED:
                self.state[i] = _SEND if blame_elsewhere else _STUCK
        self.last_refused = set()

    def finish(self):
        """Raise the last error unless every id left is one GitHub called handled (unconfirmed)."""
        leftover = [i for i in self.ids if i in self.state]
        if [i for i in leftover if self.state[i] != _HANDLED]:
            raise self.error
        self.outcome.unconfirmed.extend(leftover)


def review_requests(
    client: Any,
    org: str,
    decisions: Sequence[Mapping[str, Any]],
    check_mode: bool = False,
    refresh: bool = True,
    fail_on_missing: bool = False,
    pending: Optional[Set[int]] = None,
) -> Dict[str, Any]:
    """Approve or deny pending requests idempotently. Returns the module's result dict.

    Keys, each id under exactly one: ``approved``, ``denied``, ``unchanged`` (not pending
    when the task started, nothing sent), ``gone`` (vanished between the listing and the
    write: cancelled, or reviewed by someone else), ``unconfirmed`` (GitHub said handled, its
    listing did not show it yet); plus ``calls``.
    """
    ids = [d["id"] for d in decisions]
    token_of = dict((d["id"], d.get("token_id")) for d in decisions if d.get("token_id"))
    if pending is None and refresh:
        pending = _still_present(
            client, org, "request", ids, list(token_of.values()) if len(token_of) == len(ids) else None
        )
    elif pending is None:
        pending = set(ids)
    unchanged = [i for i in ids if i not in pending]
    if unchanged and fail_on_missing:
        raise ConfigError(
            "ids not pending in %s (already reviewed, withdrawn or unknown): %s"
            % (org, ", ".join(str(i) for i in unchanged)),
            unchanged=unchanged,
        )
    todo = [d for d in decisions if d["id"] in pending]
    calls = group_decisions(todo)
    outcome = _Outcome(("approved", "denied"))
    if check_mode:
        for call in calls:
            outcome.done["approved" if call["action"] == "approve" else "denied"].extend(call["ids"])
    else:
        left = set(d["id"] for d in todo)
        for call in calls:
            key = "approved" if call["action"] == "approve" else "denied"

            def body_for(chunk, call=call):
                body = {"pat_request_ids": chunk, "action": call["action"]}
                if call["reason"] is not None:
                    body["reason"] = call["reason"]
                return body

            try:
                _send_bulk(client, org, "request", body_for, call["ids"], token_of, outcome, key, "review")
            except PatguardError as exc:
                raise outcome.fail(exc, left - _settled(outcome)) from None
            left.difference_update(call["ids"])
    result = outcome.as_result()
    result.update(unchanged=unchanged, calls=len(calls))
    return result


def _settled(outcome):
    settled = set(outcome.unconfirmed) | set(g["id"] for g in outcome.gone)
    for ids in outcome.done.values():
        settled.update(ids)
    return settled


def revoke_grants(
    client: Any,
    org: str,
    grant_ids: Sequence[int],
    check_mode: bool = False,
    active: Optional[Set[int]] = None,
    token_of: Optional[Mapping[int, Any]] = None,
) -> Dict[str, Any]:
    """Revoke active grants idempotently; ``active`` is the set of ids GitHub lists now.

    ``token_of`` maps grant id -> token id when known, so that reconciling after a lost
    answer is a filtered listing instead of a full one. Keys, each id under exactly one:
    ``revoked``, ``unchanged`` (not active when the task started), ``gone`` (vanished before
    the write: revoked elsewhere), ``unconfirmed``; plus ``calls``.
    """
    token_of = dict((k, v) for k, v in (token_of or {}).items() if v)
    if active is None:
        tokens = [token_of[i] for i in grant_ids if token_of.get(i)]
        active = _still_present(client, org, "grant", grant_ids, tokens if len(tokens) == len(grant_ids) else None)
    unchanged = [i for i in grant_ids if i not in active]
    todo = [i for i in grant_ids if i in active]
    calls = chunks(todo, MAX_IDS_PER_BULK)
    outcome = _Outcome(("revoked",))
    if check_mode:
        outcome.done["revoked"] = list(todo)
    else:
        left = set(todo)
        for ids in calls:
            try:
                _send_bulk(
                    client,
                    org,
                    "grant",
                    lambda chunk: {"action": "revoke", "pat_ids": chunk},
                    ids,
                    token_of,
                    outcome,
                    "revoked",
                    "revoke",
                )
            except PatguardError as exc:
                raise outcome.fail(exc, left - _settled(outcome)) from None
            left.difference_update(ids)
    result = outcome.as_result()
    result.update(unchanged=unchanged, calls=len(calls))
    return result
