"""GitHub times: the one parser and formatter every plugin uses (_time.py)."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.patguard.github.plugins.module_utils import _time

UTC = datetime.timezone.utc
MIDNIGHT = datetime.datetime(2026, 12, 20, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        "2026-12-20T00:00:00Z",  # GitHub JSON
        "2026-12-20T00:00:00+00:00",
        "2026-12-20T02:00:00+02:00",
        "2026-12-19T19:00:00-05:00",
        "2026-12-20 00:00:00 UTC",  # GitHub-Authentication-Token-Expiration
        "2026-12-20 02:00:00 +0200",
        "2026-12-20 00:00:00 GMT",
        "2026-12-20T00:00:00",  # naive means UTC
        "2026-12-20",
        "  2026-12-20T00:00:00Z  ",
    ],
)
def test_parse_time_reads_every_github_shape(text):
    assert _time.parse_time(text) == MIDNIGHT
    assert _time.parse_time(text).tzinfo is UTC


def test_parse_time_keeps_fractions_and_refuses_garbage():
    assert _time.parse_time("2026-12-20T00:00:00.5Z") == MIDNIGHT + datetime.timedelta(microseconds=500000)
    for bad in (None, "", "soon", "2026-13-01T00:00:00Z", 20261220, [], "2026-12-20T25:00:00Z"):
        assert _time.parse_time(bad) is None


def test_parse_time_of_datetimes_naive_means_utc():
    assert _time.parse_time(datetime.datetime(2026, 12, 20)) == MIDNIGHT
    plus_two = datetime.timezone(datetime.timedelta(hours=2))
    assert _time.parse_time(datetime.datetime(2026, 12, 20, 2, tzinfo=plus_two)) == MIDNIGHT


def test_iso_z_is_utc_whole_seconds():
    plus_two = datetime.timezone(datetime.timedelta(hours=2))
    assert _time.iso_z(datetime.datetime(2026, 12, 20, 2, 0, 0, 999, tzinfo=plus_two)) == "2026-12-20T00:00:00Z"
    assert _time.iso_z(MIDNIGHT) == "2026-12-20T00:00:00Z"
    assert _time.iso_z(datetime.datetime(2026, 12, 20)) == "2026-12-20T00:00:00Z"
    assert _time.iso_z(None) is None
    assert _time.iso_z_epoch(MIDNIGHT.timestamp() + 0.7) == "2026-12-20T00:00:00Z"


def test_round_trip():
    assert _time.iso_z(_time.parse_time("2026-12-20 00:00:00 UTC")) == "2026-12-20T00:00:00Z"


def test_to_epoch_with_default():
    assert _time.to_epoch("2026-12-20T00:00:00Z") == MIDNIGHT.timestamp()
    assert _time.to_epoch(None, default=5.0) == 5.0
    assert _time.to_epoch("not a time", default=7.0) == 7.0


def test_now_utc_and_resolve_now_use_the_injected_clock():
    def clock():
        return MIDNIGHT.timestamp()

    assert _time.now_utc(clock) == MIDNIGHT
    assert _time.resolve_now(None, clock) == MIDNIGHT
    assert _time.resolve_now("", clock) == MIDNIGHT
    assert _time.resolve_now("2026-12-20 02:00:00 +0200", clock) == MIDNIGHT
    with pytest.raises(ValueError, match="now must be an ISO 8601 timestamp or a datetime, got 'later'"):
        _time.resolve_now("later", clock)


def test_days():
    later = MIDNIGHT + datetime.timedelta(days=3, hours=23)
    assert _time.whole_days(MIDNIGHT, later) == 3
    assert _time.whole_days(later, MIDNIGHT) == -4  # floored
    assert _time.whole_days(MIDNIGHT, MIDNIGHT + datetime.timedelta(hours=5)) == 0
    assert _time.days_between("2026-12-20T00:00:00Z", "2026-12-21T12:00:00Z") == 1.5
    assert _time.days_between("2026-12-21T00:00:00Z", MIDNIGHT) == -1.0
    assert _time.days_between(None, "2026-12-21T00:00:00Z") is None
    assert _time.days_between("2026-12-21T00:00:00Z", "never") is None
