"""Option precedence under the AWX credential's environment (issue 13.1), through ansible-playbook.

The collection's AWX credential type injects GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY_PATH,
GITHUB_APP_INSTALLATION_ID and GITHUB_API_URL. A play that also sets the key itself (the
README's ``module_defaults``) must run with the play's key, not fail on "mutually exclusive".
"""

from __future__ import annotations

from harness import DEMO_POLICY, run_tasks


def awx_env(fake, key_path):
    return {
        "GITHUB_APP_ID": str(fake.app_id),
        "GITHUB_APP_PRIVATE_KEY_PATH": str(key_path),
        "GITHUB_APP_INSTALLATION_ID": str(fake.installation_id),
        "GITHUB_API_URL": fake.base_url,
    }


def test_readme_playbook_runs_under_the_awx_credential_environment(fake_github, tmp_path):  # noqa: F811
    fake = fake_github(grants=6, requests=3, seed=131)
    # The injected file is not the App's key: only the play's private_key can authenticate.
    wrong = tmp_path / "tmp_private_key"
    wrong.write_text("not the key the play gives")
    run = run_tasks(
        [{"name": "review result", "ansible.builtin.debug": {"var": "pat_request_review_result"}}],
        roles=[{"role": "patguard.github.pat_governance"}],
        module_defaults={
            "group/patguard.github.github": {
                "app_id": str(fake.app_id),
                "private_key": fake.private_key_pem,
                "write_interval": 0,
            }
        },
        play_vars={"patguard_org": fake.org, "patguard_policy": DEMO_POLICY, "patguard_mode": "report"},
        env=awx_env(fake, wrong),
    )
    assert run.rc == 0, run.output[-3000:]
    assert "mutually exclusive" not in run.output
    assert run.results[0]["pat_request_review_result"] is not None
    assert fake.private_key_pem.strip().splitlines()[1] not in run.output


def test_key_path_on_the_task_beats_a_private_key_in_the_environment(fake_github):  # noqa: F811
    fake = fake_github(grants=2, requests=1, seed=132)
    run = run_tasks(
        [{"patguard.github.pat_request_info": {"org": fake.org, "private_key_path": str(fake.private_key_path)}}],
        env={
            "GITHUB_APP_ID": str(fake.app_id),
            "GITHUB_APP_PRIVATE_KEY": "not a pem at all",
            "GITHUB_API_URL": fake.base_url,
        },
    )
    assert run.rc == 0 and run.result.get("count") == 1, run


def test_both_keys_on_the_task_name_where_each_came_from(fake_github):  # noqa: F811
    fake = fake_github(grants=1, requests=1, seed=133)
    run = run_tasks(
        [
            {
                "patguard.github.pat_request_info": {
                    "org": fake.org,
                    "api_url": fake.base_url,
                    "app_id": str(fake.app_id),
                    "private_key": fake.private_key_pem,
                    "private_key_path": str(fake.private_key_path),
                }
            }
        ]
    )
    message = run.result["msg"]
    assert (
        run.result["failed"]
        and "private_key is set by the task (or module_defaults), private_key_path by the task (or module_defaults)"
        in message
    ), message
    assert fake.request_log == []
