"""drafter's own answers for the fake server: valid structured output for the four drafting steps, and the
well-formed answers that break one of drafter's rules (what a real model gets wrong).

``answer(step, request)`` is the server's default answer hook: for the golden 29-2072 role (when the request's
task IDs are its tasks) it answers with the golden assessment, otherwise with plain placeholder rows and scores.
The role's task IDs and the rows to score are read from the JSON Schema the request carries (the enums
drafting/constraints.py puts there, in every mode), not from the prompt's wording, so rewording a template does
not break the fake (a request for a bare response model, with no enums, is read from its lists); the calibration table, the candidates, the notes and the figures a step shows are read from
the prompt's marked blocks, and an answer without them is plainer (no table cited, no move named, no quote).
``spoil(behaviour, step, answer)`` turns a valid answer into a faulty one for the content faults of the script:
invalid (schema-invalid), invented_score (the calibration note cites a score the calibration table does not
list), invented_move (a "where to look next" role not in the table), bad_quote (an evidence item marked "notes"
quoting words the notes do not contain), uncovered_task (a required task neither covered nor excluded).
"""

from __future__ import annotations

import json
import re
from functools import cache

from ..assessment import COMMENTARY_HEADINGS as HEADINGS
from ..resources import golden_dir

GOLDEN_CODE = "29-2072.00"
# the script's content faults this module plays (``spoil``); the server plays the others itself
CONTENT_FAULTS = frozenset({"invalid", "invented_score", "invented_move", "bad_quote", "uncovered_task"})


@cache
def _golden_text() -> str:
    return (golden_dir() / f"{GOLDEN_CODE}.json").read_text(encoding="utf-8")


def _golden() -> dict:
    return json.loads(_golden_text())  # a fresh copy: answers get mutated


def _users(body: dict) -> list[str]:
    return [str(m.get("content", "")) for m in body.get("messages", []) if m.get("role") == "user"]


def _role_text(body: dict) -> str:
    """The role's context (drafter's second message): its tasks, calibration table, worked example, notes."""
    return _users(body)[0]


def _step_text(body: dict) -> str:
    """The step's own instructions and data (drafter's last message)."""
    return _users(body)[-1]


_SCHEMA_MARK = "json_schema:"  # instructor's JSON modes put the schema in a message after these words


def response_schema(body: dict) -> dict:
    """The JSON Schema a request asks its answer to match, wherever the mode puts it: the forced tool's parameters
    (tools), ``response_format.json_schema`` (json_schema), or the JSON after "json_schema:" in a message (json,
    md_json). Empty when the request carries none."""
    if tools := body.get("tools"):
        return tools[0].get("function", {}).get("parameters") or {}
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        return fmt.get("json_schema", {}).get("schema") or {}
    for m in body.get("messages", []):
        text = str(m.get("content") or "")
        at = text.find(_SCHEMA_MARK)
        if at >= 0 and (start := text.find("{", at)) >= 0:
            try:
                return json.JSONDecoder().raw_decode(text, start)[0]
            except ValueError:
                return {}
    return {}


def field_enum(schema: dict, field: str) -> list:
    """The allowed values drafter's schema gives ``field`` (drafting/constraints.py: a role's task IDs, its row
    names), found in any of the schema's object definitions; for a list field, its items' enum."""
    stack: list = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            prop = (node.get("properties") or {}).get(field)
            if isinstance(prop, dict):
                found = prop.get("enum") or (prop.get("items") or {}).get("enum")
                if found:
                    return list(found)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return []


_CALIBRATION_ROW = re.compile(
    r"^\| (?P<title>[^|]+?) \| (?P<code>[^|]+?) \|(?:[^|]*\|){5} (?P<score>\d+\.\d) \| (?P<zone>Red|Yellow|Green) \|$",
    re.M,
)


def calibration_table(body: dict) -> list[dict]:
    """The calibration roles the prompt shows (title, code, score, zone), read back from the request."""
    text = _role_text(body)
    if "CALIBRATION: HUMAN-SCORED ROLES" not in text:
        return []
    return [m.groupdict() for m in _CALIBRATION_ROW.finditer(text)]


_CANDIDATE = re.compile(
    r"^- (?P<title>[^|]+?) \| (?P<code>[^|]+?) \| AIJRI (?P<score>\d+\.\d) \| (?P<zone>Green) \|", re.M
)


def move_candidates(body: dict) -> list[dict]:
    """The roles "where to look next" may name, read back from the request's WHERE TO LOOK NEXT list."""
    text = _role_text(body)
    return [m.groupdict() for m in _CANDIDATE.finditer(text.split("WHERE TO LOOK NEXT", 1)[-1])]


def notes_text(body: dict) -> str | None:
    m = re.search(r"<notes>\n(.*?)\n</notes>", _role_text(body), re.S)
    return m.group(1) if m else None


def decomposition(body: dict) -> dict:
    listed = field_enum(response_schema(body), "onet_task_ids")
    if not listed:  # a bare model's request (no enums): the task list it shows
        listed = re.findall(r"^- \[(\d+)\]", _role_text(body), re.M)
    ids = [int(x) for x in listed]
    golden = _golden()
    mapped = {i for r in golden["tasks"] for i in r["onet_task_ids"]}
    excluded = {int(k): v for k, v in golden["unmapped_onet_tasks"].items()}
    if set(ids) <= mapped | set(excluded) and ids:
        rows = [
            {"task": r["task"], "onet_task_ids": [i for i in r["onet_task_ids"] if i in ids], "time_pct": r["time_pct"]}
            for r in golden["tasks"]
        ]
        rows = [r for r in rows if r["onet_task_ids"]]
        rows[0]["time_pct"] += 100 - sum(r["time_pct"] for r in rows)
        return {
            "seniority_level": golden["role"]["seniority_level"],
            "seniority_note": golden["role"]["seniority_note"],
            "rows": rows,
            "excluded_tasks": [{"onet_task_id": i, "reason": why} for i, why in excluded.items() if i in ids],
        }
    n = fake_rows(len(ids))  # 4 rows, up to 9 for long task lists (as a model would)
    chunks = [ids[k::n] for k in range(n)]
    shares = [100 // n] * n
    shares[0] += 100 - sum(shares)
    return {
        "seniority_level": "Mid-Level (3-7 years)",
        "seniority_note": "Entry-level staff do the routine share and score lower; seniors own exceptions and score higher.",
        "rows": [
            {"task": f"Activity {k + 1}", "onet_task_ids": c, "time_pct": s}
            for k, (c, s) in enumerate(zip(chunks, shares, strict=True))
        ],
        "excluded_tasks": [],
    }


def fake_rows(ids: int) -> int:
    """How many rows this server's decomposition of a role without golden rows has."""
    return min(ids, 9, max(4, ids // 4))


def requests_per_draft(code: str) -> int:
    """The requests a draft of ``code`` makes against this server when every answer is valid: decompose, the
    scoring calls (several for a large task list), role sections and commentary."""
    from drafter.drafting.pipeline import row_chunks
    from drafter.onet.catalog import Catalog

    tasks = Catalog.load().get(code).tasks
    golden = _golden()
    golden_ids = {i for r in golden["tasks"] for i in r["onet_task_ids"]} | set(map(int, golden["unmapped_onet_tasks"]))
    rows = len(golden["tasks"]) if {t.id for t in tasks} <= golden_ids else fake_rows(len(tasks))
    return 3 + len(row_chunks(list(range(rows)), len(tasks)))


def row_scores(body: dict) -> dict:
    names = [str(x) for x in field_enum(response_schema(body), "task")]
    if not names:  # a bare model's request (no enums): the rows it lists
        names = re.findall(r"^- (.+?) \(\d+%\):", _step_text(body), re.M)
    golden = {r["task"]: r for r in _golden()["tasks"]}
    scores = []
    for name in names:
        g = golden.get(name)
        score, label = (g["score"], g["label"]) if g else (3, "AUGMENTATION")
        rationale = (
            g["rationale"] if g else "AI drafts and checks this work; a human leads and signs off on the result."
        )
        scores.append({"task": name, "score": score, "label": label, "rationale": rationale})
    return {"scores": scores}


def role_sections(body: dict) -> dict:
    g = _golden()
    table = calibration_table(body)
    neighbour = (
        f"NOT a {table[0]['title']} (assessed at {table[0]['score']} {table[0]['zone']}: different task mix)."
        if table
        else "NOT a neighbouring administrative role (different task mix and accountability)."
    )
    role = {
        "primary_function": g["role"]["primary_function"],
        "what_this_role_is_not": neighbour,
        "typical_experience": g["role"]["typical_experience"],
    }
    notes = notes_text(body)
    evidence = {}
    for k, v in g["evidence"].items():
        item = {"claim": v["evidence"].split(". ")[0][:200], "source": "model", "citation": "recalled"}
        if notes and k == "wage_trends":
            quote = " ".join(notes.split())[:40]
            item = {"claim": f"The notes say: {quote}", "figure": None, "as_of": None, "source": "notes",
                    "citation": "assessor's notes", "quote": quote}  # fmt: skip
        evidence[k] = {"score": v["score"], "evidence": v["evidence"], "items": [item]}
    shown = re.search(r"The rows' result: (\d+)% of task time is DISPLACEMENT", _step_text(body))
    growth = g["growth"]
    if shown:  # the seed's check cites its own rows' share; cite the share this request shows instead
        growth["check"] = re.sub(r"\d+% of this role's task time", f"{shown.group(1)}% of this role's task time",
                                 growth["check"])  # fmt: skip
    return {
        "role": role,
        "protective_principles": g["protective_principles"],
        "growth": growth,
        "reinstatement": {"size": "moderate", "offsets_displacement": False, "text": g["reinstatement_check"]},
        "evidence": evidence,
        "barriers": g["barriers"],
    }


def commentary(body: dict) -> dict:
    text = _step_text(body)
    score = re.search(r"JobZone score ([\d.]+)/100", text)
    figure = score.group(1) if score else "?"
    table = calibration_table(body)
    if table:
        names = " and ".join(f"{c['title']} ({c['score']}, {c['zone']})" for c in table[:2])
        note = f"The {figure} places this role between {names}, given its task resistance and barriers."
    else:
        note = "No scored neighbour was given, so the formula score stands unplaced."
    moves = [
        {"title": c["title"], "onet_code": None if c["code"] == "—" else c["code"], "score": float(c["score"]),
         "why": f"Skills in records, rules and review transfer to {c['title']}."}
        for c in move_candidates(body)
    ][:3]  # fmt: skip
    return {
        "calibration_note": note,
        "where_to_look_next": moves,
        "sections": [
            {
                "heading": h,
                "body": f"{h}: the computed JobZone score of {figure} reflects the task mix; review before publishing.",
            }
            for h in HEADINGS
        ],
    }


STEPS = {
    "Decomposition": decomposition,
    "RowScores": row_scores,
    "RoleSections": role_sections,
    "Commentary": commentary,
}


def invalid(name: str, answer: dict) -> dict:
    """A schema-invalid variant of a valid answer."""
    if name == "Decomposition":
        answer["rows"][0]["time_pct"] -= 5  # sums to 95
    elif name == "RowScores":
        answer["scores"][0]["score"] = 7
    elif name == "RoleSections":
        answer["barriers"]["physical_presence"]["score"] = 5
    else:
        answer["sections"] = answer["sections"][:2]
    return answer


def misbehave(behaviour: str, name: str, answer: dict) -> dict:
    """Answers that are well-formed but break one of drafter's rules (what a real model gets wrong)."""
    if behaviour == "invented_score" and name == "Commentary":
        answer["calibration_note"] += " It scores well below Claims Adjusters (22.6, Red)."
    elif behaviour == "invented_move" and name == "Commentary":
        invented = {
            "title": "Data Scientists",
            "onet_code": "15-2051.00",
            "score": 71.3,
            "why": "Analytics skills transfer.",
        }
        answer["where_to_look_next"] = [*answer["where_to_look_next"][:2], invented]
    elif behaviour == "bad_quote" and name == "RoleSections":
        item = answer["evidence"]["wage_trends"]["items"][0]
        item.update(source="notes", quote="Wages rose 40% in 2025 according to the notes")
    elif behaviour == "uncovered_task" and name == "Decomposition":
        answer["excluded_tasks"] = answer["excluded_tasks"][1:]
    return answer


def answer(step: str, request: dict) -> dict:
    """A valid answer to drafter's ``step`` (the response model's name), read from the request as a model would;
    an empty object for a step drafter does not have."""
    make = STEPS.get(step)
    return make(request) if make else {}


def spoil(behaviour: str, step: str, answer: dict) -> dict:
    """The answer for a content fault of the script (invalid, invented_score, …); others leave it unchanged."""
    if behaviour == "invalid":
        return invalid(step, answer)
    return misbehave(behaviour, step, answer)
