"""The meaning of a failed owner-only listing (404: not offered here, 403: who may read it) and
the ``when_unavailable`` result the listing modules share."""

from __future__ import annotations

import pytest

from ansible_collections.patguard.github.plugins.module_utils._errors import GitHubAPIError, listing_error
from ansible_collections.patguard.github.plugins.module_utils._module import unavailable_result


class NotOffered(GitHubAPIError):
    pass


def failed(status):
    return GitHubAPIError("GitHub said no", status=status, github_message="Not Found", request_id="R1")


def test_a_404_means_not_offered_here():
    error = listing_error(failed(404), "/orgs/acme/x", NotOffered, "no such feature here", "unused")
    assert isinstance(error, NotOffered) and error.message == "no such feature here"
    assert (error.status, error.request_id, error.details["method"], error.details["path"]) == (
        404,
        "R1",
        "GET",
        "/orgs/acme/x",
    )


def test_a_403_says_who_may_read_and_keeps_githubs_words():
    error = listing_error(failed(403), "/orgs/acme/x", NotOffered, "unused", "GitHub said no. Owners only")
    assert not isinstance(error, NotOffered) and error.message == "GitHub said no. Owners only"
    assert (error.status, error.github_message, error.request_id) == (403, "Not Found", "R1")


def test_any_other_failure_is_the_error_itself():
    original = failed(500)
    assert listing_error(original, "/orgs/acme/x", NotOffered, "unused", "unused") is original


class FakeModule:
    def __init__(self, when):
        self.params = {"when_unavailable": when}
        self.warnings = []

    def warn(self, message):
        self.warnings.append(message)


def test_warn_returns_the_empty_listing_with_the_reason():
    module = FakeModule("warn")
    result = unavailable_result(module, NotOffered("not on this GitHub"), events=[], count=0)
    assert result == {
        "changed": False,
        "events": [],
        "count": 0,
        "available": False,
        "unavailable_reason": "not on this GitHub",
    }
    assert module.warnings == ["not on this GitHub"]


def test_fail_raises_the_error_again():
    error = NotOffered("not on this GitHub")
    with pytest.raises(NotOffered):
        unavailable_result(FakeModule("fail"), error, events=[])
