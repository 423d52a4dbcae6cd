"""Requests are ordered for providers' prompt caching: what is shared comes first, in the same bytes."""

from __future__ import annotations

import json
import os

from drafter.drafting.drive import draft_with_llm
from drafter.onet.catalog import Catalog

ROLES = ("47-2072.00", "11-2021.00")  # 5 and 20 tasks


def _messages_bytes(body: dict) -> bytes:
    return json.dumps(body["messages"]).encode()


def test_every_step_of_every_role_starts_with_the_same_system_prompt_and_rubric(llm_factory, fake_llm):
    llm = llm_factory(use_cache=False)
    catalog = Catalog.load()
    by_role: dict[str, list[dict]] = {}
    for code in ROLES:
        first = fake_llm.count
        draft_with_llm(catalog.get(code), llm)
        by_role[code] = fake_llm.requests[first:]
    everything = [b for bodies in by_role.values() for b in bodies]
    assert {b["tools"][0]["function"]["name"] for b in everything} == {
        "Decomposition", "RowScores", "RoleSections", "Commentary"
    }  # fmt: skip
    system = everything[0]["messages"][0]
    assert system["role"] == "system" and "AIJRI RUBRIC" in system["content"]
    n = len(json.dumps([system])) - 1  # the system message up to the closing bracket of the list
    assert n > 2500
    shared = os.path.commonprefix([_messages_bytes(b) for b in everything])
    assert len(shared) >= n  # the first n bytes of all steps' requests, of both roles, are identical
    for code, bodies in by_role.items():
        role_context = bodies[0]["messages"][1]
        assert role_context["role"] == "user" and code.removesuffix(".00") in role_context["content"]
        within = os.path.commonprefix([_messages_bytes(b) for b in bodies])
        assert len(within) >= len(json.dumps(bodies[0]["messages"][:2])) - 1  # then the role's own context
        assert all(b["messages"][:2] == bodies[0]["messages"][:2] for b in bodies)
