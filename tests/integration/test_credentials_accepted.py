"""Credentials GitHub accepts on the organization PAT endpoints (issue 12.9), through ansible-playbook.

An organization owner's user-to-server token (``ghu_``, through the App) works; a member's
``ghu_`` and any personal access token are refused, each with a message that says what to do.
The App's JWT ``iss`` may be its numeric App ID or its Client ID.
"""

from __future__ import annotations

from harness import DEMO_FIXTURE, run_tasks


def info_task(fake, **auth):
    return {"patguard.github.pat_request_info": dict({"org": fake.org, "api_url": fake.base_url}, **auth)}


def test_owner_ghu_token_and_client_id_work_pats_are_refused_with_the_right_advice(fake_github):  # noqa: F811
    fake = fake_github(fixture=DEMO_FIXTURE)
    run = run_tasks(
        [
            info_task(fake, token=fake.user_to_server_token("ada")),  # ada owns the organization
            info_task(fake, token=fake.user_to_server_token("bob")),  # bob is a member
            info_task(fake, token=fake.user_tokens["ada"]),  # the owner's own PAT
            info_task(fake, app_id=fake.client_id, private_key_path=str(fake.private_key_path)),
            info_task(fake, app_id=str(fake.app_id), private_key_path=str(fake.private_key_path)),
        ]
    )
    owner, member, pat, by_client_id, by_app_id = run.results
    assert not owner.get("failed") and owner["count"] == by_app_id["count"] > 0, owner
    assert (
        member["failed"]
        and "user-to-server token (ghu_) is accepted there only for an organization owner" in member["msg"]
    ), member
    assert pat["failed"] and "accept GitHub App installation tokens only" in pat["msg"], pat
    assert "ghu_" in pat["msg"] and "never a personal access token" in pat["msg"]
    assert not by_client_id.get("failed") and by_client_id["count"] == by_app_id["count"], by_client_id
    for token in (fake.user_tokens["ada"],) + tuple(fake.issued_tokens.get("user_to_server", ())):
        assert token not in run.output
