# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# This module is private to the patguard.github collection; its API may change at any time.
"""One error conversion for every filter of the collection (controller side only)."""

from __future__ import annotations

import functools
from typing import Any, Callable

from ansible.errors import AnsibleFilterError

from ansible_collections.patguard.github.plugins.module_utils._errors import PatguardError, redact


def filter_errors(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate filter ``name`` so that bad input fails with one AnsibleFilterError.

    A collection error keeps its field/rule message, prefixed with ``name:`` unless it already
    names its variable (``qualified``); ValueError and TypeError from the input are prefixed
    too. Messages pass through redact(): a token given to a filter never reaches the error.
    """

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except AnsibleFilterError:
                raise
            except PatguardError as exc:
                text = str(exc)  # str(): some errors keep the bare rule in .message and 'field: rule' here
                raise AnsibleFilterError(text if exc.qualified else "%s: %s" % (name, text)) from None
            except (TypeError, ValueError) as exc:
                raise AnsibleFilterError("%s: %s" % (name, redact(str(exc)))) from None

        return wrapper

    return decorate
