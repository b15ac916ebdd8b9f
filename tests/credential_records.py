"""A SAML SSO credential authorization as GitHub lists it, for the report tests.

One builder for the report's unit tests (the credential section and the pinned renderings),
so that both describe the same record shape.
"""

from __future__ import annotations


def credential_record(
    cid, login, last_eight, kind="personal access token", expires=None, accessed="2026-11-30T00:00:00Z"
):
    record = {
        "credential_id": cid,
        "authorized_credential_id": cid + 500,
        "login": login,
        "credential_type": kind,
        "credential_authorized_at": "2026-06-01T00:00:00Z",
        "credential_accessed_at": accessed,
    }
    if kind != "SSH key":
        record.update(
            token_last_eight=last_eight, scopes=["repo", "admin:org"], authorized_credential_expires_at=expires
        )
    return record
