"""pat_rotation: argument_specs, defaults and tasks use the same variable names (issue 14.6)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROLE = Path(__file__).resolve().parents[3] / "roles" / "pat_rotation"


def _load(relative):
    return yaml.safe_load((ROLE / relative).read_text())


def test_the_fact_the_spec_promises_is_the_fact_the_tasks_set():
    spec = _load("meta/argument_specs.yml")["argument_specs"]["main"]
    promised = set(re.findall(r"sets the fact C\((\w+)\)", " ".join(spec["description"])))
    set_by_tasks = set()
    for task in _load("tasks/main.yml"):
        set_by_tasks.update(task.get("ansible.builtin.set_fact", {}))
    assert promised == set_by_tasks == {"pat_rotation_due"}


def test_every_input_of_the_spec_feeds_the_role_variable_of_the_same_name():
    options = _load("meta/argument_specs.yml")["argument_specs"]["main"]["options"]
    defaults = _load("defaults/main.yml")
    tasks_text = (ROLE / "tasks" / "main.yml").read_text()
    for option in options:
        assert option.startswith("patguard_rotation_"), option
        internal = "pat_rotation_" + option[len("patguard_rotation_") :]
        assert option in defaults[internal], (internal, defaults[internal])
        assert internal in tasks_text, internal
    assert set(defaults) == set("pat_rotation_" + o[len("patguard_rotation_") :] for o in options)
