"""The instructor speed-up (drafter/llm/instructor_patch.py) patches internals: these tests fail when they change."""

from __future__ import annotations

import subprocess
import sys

import pytest
from pydantic import BaseModel

from drafter.drafting.facts import DecomposeFacts, bound
from drafter.drafting.outputs import Decomposition
from drafter.llm import instructor_patch

from .conftest import ROOT

MESSAGES = [
    {"role": "system", "content": "test"},
    {"role": "user", "content": "Tasks:\n" + "".join(f"- [{i}] (untyped, prior 25%) task {i}\n" for i in (1, 2, 3, 4))},
]
CONTEXT = DecomposeFacts(known_ids=(1, 2, 3, 4), required_ids=(1, 2, 3, 4))


@pytest.fixture(autouse=True)
def _four_task_facts():
    """The facts a drafting step binds around its call (drafting/facts.py), for the Decomposition answers here."""
    with bound(CONTEXT):
        yield


def test_the_patch_is_in_place_where_instructor_looks_for_it(llm_factory):
    from instructor.v2.core import function_calls, patch
    from instructor.v2.validation import async_validators

    llm_factory()  # the first client applies it
    assert instructor_patch.status() == "applied", instructor_patch.status()
    assert async_validators.reject_async_validators is instructor_patch._reject_async_validators
    assert patch.reject_async_validators is instructor_patch._reject_async_validators
    assert function_calls.response_schema is instructor_patch._response_schema


def test_real_calls_go_through_both_caches_and_pay_each_cost_once_per_class(llm_factory, monkeypatch):
    """If instructor stopped calling the patched functions, or called them some other way, this fails."""
    llm = llm_factory(use_cache=False)
    rejected: list[type] = []
    wrapped: list[type] = []
    reject, schema = instructor_patch.original_reject, instructor_patch.original_schema
    assert reject is not None and schema is not None
    monkeypatch.setattr(instructor_patch, "original_reject", lambda m: rejected.append(m) or reject(m))
    monkeypatch.setattr(instructor_patch, "original_schema", lambda m: wrapped.append(m) or schema(m))
    monkeypatch.setattr(instructor_patch, "checked", set())
    monkeypatch.setattr(instructor_patch, "schemas", {})
    for _ in range(3):
        llm.structured("decompose", Decomposition, MESSAGES)
    assert wrapped == [Decomposition]  # three calls, one schema wrapper
    assert Decomposition in rejected and len(rejected) == len(set(rejected))  # each class walked once
    assert instructor_patch.schemas[Decomposition] in instructor_patch.checked


def test_a_model_with_async_validators_is_still_refused_on_every_call(llm_factory):
    from instructor.v2.validation.async_validators import async_field_validator

    class Checked(BaseModel):
        name: str

        @async_field_validator("name")
        async def _name(self, v: str) -> None:
            return None

    llm_factory()
    for _ in range(2):
        with pytest.raises(ValueError, match="async validators"):
            instructor_patch._reject_async_validators(Checked)
    assert Checked not in instructor_patch.checked


def test_the_environment_switch_leaves_instructor_as_it_is():
    code = (
        "from drafter.llm import instructor_patch\n"
        "from instructor.v2.core import function_calls\n"
        "from instructor.v2.validation import async_validators\n"
        "print(instructor_patch.apply(), instructor_patch.status(),\n"
        "      function_calls.response_schema is instructor_patch._response_schema,\n"
        "      async_validators.reject_async_validators is instructor_patch._reject_async_validators)\n"
    )
    off = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         env={"DRAFTER_NO_INSTRUCTOR_PATCH": "1", "PATH": ""}, check=True)  # fmt: skip
    on = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env={"PATH": ""},
                        check=True)  # fmt: skip
    assert off.stdout.split() == ["False", "off", "False", "False"]
    assert on.stdout.split() == ["True", "applied", "True", "True"]


def test_an_instructor_whose_internals_differ_is_left_alone_with_a_warning(monkeypatch):
    def moved():
        raise AttributeError("instructor.v2.core.function_calls has no attribute 'response_schema'")

    monkeypatch.setattr(instructor_patch, "_state", None)
    monkeypatch.setattr(instructor_patch, "_internals", moved)
    with pytest.warns(RuntimeWarning, match="instructor not sped up: instructor's internals differ"):
        assert instructor_patch.apply() is False
    assert instructor_patch.status().startswith("instructor's internals differ")
