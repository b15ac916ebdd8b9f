"""Unit tests of the retry rules: one classification per answer, as a pure function."""

from __future__ import annotations

import pytest

from ansible_collections.patguard.github.plugins.module_utils._retry import (
    AMBIGUOUS,
    BACKOFF,
    CONNECT,
    FAIL,
    LOST,
    OK,
    RENEW,
    SHRINK,
    WAIT,
    Answer,
    Attempt,
    Counters,
    Limits,
    RetryPolicy,
    classify,
)

NOW = 1_800_000_000.0
READ = Attempt(write=False, can_renew=True, can_shrink=False)
WRITE = Attempt(write=True, can_renew=True, can_shrink=False)
PAGE = Attempt(write=False, can_renew=True, can_shrink=True)
LIMITS = Limits(max_retries=5, rate_limit_wait=900)
SECONDARY = "You have exceeded a secondary rate limit."


def decide(answer, attempt=READ, counters=None, limits=LIMITS):
    return classify(answer, attempt, counters or Counters(), limits, NOW, jitter=0.5)


@pytest.mark.parametrize(
    "answer,attempt,kind",
    [
        (Answer(200), READ, OK),
        (Answer(204), WRITE, OK),
        (Answer(304), READ, OK),
        (Answer(401, message="Bad credentials"), READ, RENEW),
        (Answer(401, message="Bad credentials"), Attempt(False, False, False), FAIL),
        (Answer(403, message="Resource not accessible by integration"), READ, FAIL),
        (Answer(404), READ, FAIL),
        (Answer(422), WRITE, FAIL),
        (Answer(302), READ, FAIL),
        (Answer(500), READ, BACKOFF),
        (Answer(503), WRITE, AMBIGUOUS),
        (Answer(502), PAGE, SHRINK),
        (Answer(504), PAGE, SHRINK),
        (Answer(500), PAGE, BACKOFF),
        (Answer(failure=LOST), READ, BACKOFF),
        (Answer(failure=LOST), WRITE, AMBIGUOUS),
        (Answer(failure=CONNECT), READ, BACKOFF),
        (Answer(failure=CONNECT), WRITE, BACKOFF),  # never sent, so not ambiguous
        (Answer(403, message=SECONDARY), READ, WAIT),
        (Answer(429), WRITE, WAIT),
    ],
)
def test_each_answer_gets_one_classification(answer, attempt, kind):
    assert decide(answer, attempt).kind == kind


def test_a_second_401_on_the_same_request_fails():
    counters = Counters()
    counters.renewed = True
    assert decide(Answer(401), counters=counters).kind == FAIL


def test_a_failed_connect_is_retried_once_quickly_not_five_times():
    counters = Counters()
    first = decide(Answer(failure=CONNECT), counters=counters)
    assert (first.kind, first.seconds) == (BACKOFF, 1.0)
    counters.connects = 1
    assert decide(Answer(failure=CONNECT), counters=counters).kind == FAIL
    assert decide(Answer(failure=CONNECT), limits=Limits(0, 900)).kind == FAIL


def test_backoff_grows_exponentially_with_jitter_and_stops_at_max_retries():
    counters = Counters()
    assert decide(Answer(500), counters=counters).seconds == 0.75  # 1 s: half + jitter 0.5 of half
    counters.retries = 3
    assert decide(Answer(500), counters=counters).seconds == 6.0  # 8 s
    counters.retries = 5
    assert decide(Answer(500), counters=counters).kind == FAIL


# -- secondary rate limits, GitHub's rule (issue 12.8) ----------------------------------------------
def test_retry_after_wins_when_given():
    decision = decide(
        Answer(
            403, {"Retry-After": "7", "x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 300)}, SECONDARY
        )
    )
    assert (decision.kind, decision.seconds, decision.cause) == (WAIT, 7.0, "retry_after")


def test_remaining_zero_waits_for_the_reset_even_when_the_message_says_secondary():
    decision = decide(Answer(403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 300)}, SECONDARY))
    assert (decision.kind, decision.seconds, decision.cause) == (WAIT, 301.0, "primary_reset")


def test_secondary_without_headers_waits_a_minute_doubling_on_repeats():
    seconds = []
    for streak in range(4):
        counters = Counters()
        counters.secondary_streak = streak
        seconds.append(decide(Answer(403, message=SECONDARY), counters=counters).seconds)
    assert seconds == [60.0, 120.0, 240.0, 480.0]


def test_rate_limit_gives_up_after_the_bound_with_the_time_to_run_again():
    counters = Counters()
    counters.limit_waits, counters.limit_waited = 4, 900.0
    decision = decide(Answer(403, message=SECONDARY), counters=counters)
    assert decision.kind == FAIL and decision.retry_at == NOW + 60


def test_rate_limit_gives_up_when_the_wait_exceeds_what_is_left_of_the_budget():
    counters = Counters()
    counters.limit_waits, counters.limit_waited = 1, 60.0
    decision = decide(Answer(403, {"Retry-After": "100"}, SECONDARY), counters=counters, limits=Limits(5, 120))
    assert decision.kind == FAIL and decision.retry_at == NOW + 100


def test_policy_counts_and_grows_the_secondary_streak_until_an_ok():
    policy = RetryPolicy(max_retries=5, rate_limit_wait=900, rng=FixedRandom())
    counters = policy.start()
    waits = [policy.decide(counters, Answer(403, message=SECONDARY), READ, NOW).seconds for _repeat in range(4)]
    assert waits == [60.0, 120.0, 240.0, 480.0]
    assert policy.decide(counters, Answer(403, message=SECONDARY), READ, NOW).kind == FAIL
    counters = policy.start()
    assert policy.decide(counters, Answer(200), READ, NOW).kind == OK
    assert policy.decide(counters, Answer(403, message=SECONDARY), READ, NOW).seconds == 60.0


def test_each_request_keeps_its_own_counters():
    # A token exchange sent inside another request's loop must not reset that request's renewal.
    policy = RetryPolicy(max_retries=5, rate_limit_wait=900)
    outer = policy.start()
    assert policy.decide(outer, Answer(401), READ, NOW).kind == RENEW
    inner = policy.start()
    assert policy.decide(inner, Answer(201), READ, NOW).kind == OK
    assert policy.decide(outer, Answer(401), READ, NOW).kind == FAIL


def test_policy_paces_writes_and_a_spent_budget_before_sending():
    policy = RetryPolicy(max_retries=5, rate_limit_wait=60, write_interval=1.0)
    policy.sent(True, 202, {}, NOW)
    assert [(d.kind, d.cause, d.seconds) for d in policy.before_send(True, NOW + 0.25)] == [
        (WAIT, "write_interval", 0.75)
    ]
    assert policy.before_send(False, NOW + 0.25) == []
    policy.sent(False, 200, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 3600)}, NOW)
    (spent,) = policy.before_send(False, NOW)
    assert spent.kind == FAIL and spent.cause == "primary_reset" and spent.retry_at == int(NOW) + 3600


class FixedRandom:
    def random(self):
        return 0.5
