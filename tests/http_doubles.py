"""Test doubles for the HTTP client: canned ``requests`` responses, a scripted session, a clock.

Shared by the unit tests of the client and of the modules built on it (``tests/`` is on
``sys.path``, see tests/conftest.py).
"""

from __future__ import annotations

import json

import requests

API = "https://api.example.test"


def make_response(status=200, body=None, headers=None, text=None, url=API + "/x"):
    """A ``requests.Response`` with a JSON ``body`` (or raw ``text``) and ``headers``."""
    response = requests.Response()
    response.status_code = status
    response.url = url
    response.headers.update(headers or {})
    if text is not None:
        response._content = text.encode()
    elif body is not None:
        response._content = json.dumps(body).encode()
        response.headers.setdefault("Content-Type", "application/json; charset=utf-8")
    else:
        response._content = b""
    return response


class ScriptedSession(requests.Session):
    """Answers requests from a script of responses or exceptions, in order, and records them."""

    def __init__(self, script):
        super().__init__()
        self.script = list(script)
        self.sent = []

    def request(self, method, url, json=None, headers=None, timeout=None, allow_redirects=True):
        # Only the arguments the client passes. pylint: disable=arguments-differ,redefined-outer-name
        merged = dict(self.headers)
        merged.update(headers or {})
        self.sent.append({"method": method, "url": url, "json": json, "headers": merged})
        if not self.script:
            raise AssertionError("unexpected request %s %s" % (method, url))
        answer = self.script.pop(0)
        if isinstance(answer, Exception):
            raise answer
        answer.url = url
        return answer


class Clock:
    """A fake ``time.time``/``time.sleep`` pair: sleeping moves the clock, nothing waits."""

    def __init__(self, now=1_800_000_000.0):
        self.now = now
        self.slept = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds
