# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import ast
import hashlib
from pathlib import Path

import pytest

from ansible_collections.patguard.github.plugins.module_utils import _tokens
from ansible_collections.patguard.github.plugins.module_utils._tokens import (
    fingerprint,
    looks_like_github_token,
    token_type,
)

FINE = "github_pat_" + "11ABCDEFG0" * 8 + "a_"  # 82 characters after the prefix
CLASSIC = "ghp_" + "A1b2C3d4E5" * 3 + "f6G7h8"  # 36 after the prefix


def test_fixture_lengths():
    assert len(FINE) == len("github_pat_") + 82
    assert len(CLASSIC) == 4 + 36


@pytest.mark.parametrize(
    "token, kind",
    [
        (FINE, "fine_grained_pat"),
        (CLASSIC, "classic_pat"),
        ("gho_x", "oauth"),
        ("ghu_x", "user_to_server"),
        ("ghs_x", "installation"),
        ("ghr_x", "refresh"),
        ("github_x", "unknown"),
        ("GHP_x", "unknown"),
        ("", "unknown"),
        (None, "unknown"),
        (12, "unknown"),
        (b"ghp_x", "classic_pat"),
    ],
)
def test_token_type(token, kind):
    assert token_type(token) == kind


@pytest.mark.parametrize(
    "value, expected",
    [
        (FINE, True),
        (CLASSIC, True),
        ("gho_" + "a" * 36, True),
        ("ghu_" + "a" * 36, True),
        ("ghs_" + "a" * 36, True),
        ("ghr_" + "a" * 36, True),
        ("ghx_" + "a" * 36, False),
        (FINE[:-1], False),
        (FINE + "a", False),
        (FINE[:-1] + "-", False),
        (CLASSIC + "a", False),
        (CLASSIC[:-1], False),
        ("ghp_" + "a" * 35 + "_", False),
        (CLASSIC + "\n", False),
        (" " + CLASSIC, False),
        ("", False),
        (None, False),
        (CLASSIC.encode(), True),
    ],
)
def test_looks_like_github_token(value, expected):
    assert looks_like_github_token(value) is expected


def test_fingerprint():
    expected = "sha256:" + hashlib.sha256(CLASSIC.encode()).hexdigest()[:12]
    assert fingerprint(CLASSIC) == expected
    assert fingerprint(CLASSIC.encode()) == expected
    assert len(fingerprint("x")) == len("sha256:") + 12
    assert fingerprint("a") != fingerprint("b")


@pytest.mark.parametrize("bad, exc", [(None, TypeError), (123, TypeError), ("", ValueError), (b"", ValueError)])
def test_fingerprint_errors(bad, exc):
    with pytest.raises(exc):
        fingerprint(bad)


def test_errors_never_contain_the_token():
    secret = ["ghp_" + "S" * 36]  # wrong type, but its repr would leak the secret
    with pytest.raises(TypeError) as info:
        fingerprint(secret)
    assert "SSSS" not in str(info.value) and "ghp_" not in str(info.value)


def test_module_is_python38_syntax():
    ast.parse(Path(_tokens.__file__).read_text(), feature_version=(3, 8))
