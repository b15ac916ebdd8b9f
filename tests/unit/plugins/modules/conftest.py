"""The module tests' ``session`` fixture (a scripted HTTP session for every client a module builds)."""

from module_runner import session  # pylint: disable=unused-import  # noqa: F401 (the fixture)
