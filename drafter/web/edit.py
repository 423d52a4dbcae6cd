"""An assessor's form, applied to an assessment: pure, so the page, its tests and a notebook agree.

The page names every editable input by its field path, the same paths ``drafter diff`` and the review-first
list print (``tasks[2].score``, ``evidence.wage_trends.score``, ``role.job_title``). ``apply_form`` copies the
assessment being edited, sets each posted path, and validates the result with the one ``Assessment`` model: an
error is attached to the path it is about, and every typed value is kept as typed (``Edit.values``), so a page
that shows the errors loses nothing. Only the paths ``editable_paths`` lists can be set; anything else in the
form (a forged ``provenance.drafted_by``) is refused, not ignored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from ..assessment import Assessment

# inputs whose empty value means "awaiting assessor input" (None); a task's time share and score cannot await
AWAITABLE = re.compile(r"^(protective_principles\.\w+|growth|evidence\.\w+|barriers\.\w+)\.score$")
WHOLE_NUMBER = re.compile(r"(\.score|\.time_pct)$")
_TOKEN = re.compile(r"([A-Za-z_]\w*)|\[(\d+)\]")


@dataclass(frozen=True)
class Edit:
    """The outcome of a form: the edited assessment when it is valid, else None; errors by field path ("" for
    the document as a whole, e.g. time shares that do not sum to 100); the values as typed."""

    assessment: Assessment | None
    errors: dict[str, str]
    values: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.assessment is not None and not self.errors


def editable_paths(a: Assessment) -> list[str]:
    """Every path the page offers, in the house format's order."""
    paths = [f"role.{k}" for k in ("job_title", "seniority_level", "primary_function", "what_this_role_is_not")]
    paths.append("role.typical_experience")
    for i in range(len(a.tasks)):
        paths += [f"tasks[{i}].{k}" for k in ("task", "time_pct", "score", "label", "rationale")]
    for k in type(a.protective_principles).model_fields:
        paths += [f"protective_principles.{k}.score", f"protective_principles.{k}.rationale"]
    paths += ["growth.score", "growth.rationale"]
    for k in type(a.evidence).model_fields:
        paths += [f"evidence.{k}.score", f"evidence.{k}.evidence"]
    for k in type(a.barriers).model_fields:
        paths += [f"barriers.{k}.score", f"barriers.{k}.rationale"]
    paths += ["assessor_override.zone", "assessor_override.note"]
    for i in range(len(a.commentary)):
        paths += [f"commentary[{i}].heading", f"commentary[{i}].body"]
    return paths


def value_at(a: Assessment, path: str) -> str:
    """The form's text for ``path`` (an awaiting score is the empty string)."""
    node: Any = a
    for name, index in _tokens(path):
        node = node[int(index)] if index else getattr(node, name)
    if node is None:
        return ""
    return str(getattr(node, "value", node))


def apply_form(base: Assessment, form: Mapping[str, str]) -> Edit:
    """``base`` with every posted field set, validated; see the module docstring."""
    allowed = set(editable_paths(base))
    values = {k: v for k, v in form.items() if k in allowed}
    errors = {k: "not a field this page can change" for k in form if k not in allowed and not k.startswith("_")}
    data = base.model_dump(mode="json")
    for path, text in values.items():
        try:
            _set(data, path, _convert(path, text))
        except ValueError as e:
            errors[path] = str(e)
    if errors:
        return Edit(None, errors, values)
    try:
        edited = Assessment.model_validate(data)
    except ValidationError as e:
        return Edit(None, _errors_by_path(e), values)
    return Edit(edited, {}, values)


def _convert(path: str, text: str) -> Any:
    text = text.strip() if WHOLE_NUMBER.search(path) or path == "assessor_override.zone" else text
    if path == "assessor_override.zone":
        return text or None
    if not WHOLE_NUMBER.search(path):
        return text
    if text == "" and AWAITABLE.match(path):
        return None
    if not re.fullmatch(r"[+\-−]?\d{1,3}", text):
        raise ValueError(f"expected a whole number, got {text!r}" if text else "expected a whole number")
    return int(text.replace("−", "-"))


def _tokens(path: str) -> list[tuple[str, str]]:
    return [(m.group(1) or "", m.group(2) or "") for m in _TOKEN.finditer(path)]


def _set(data: dict, path: str, value: Any) -> None:
    *parents, (last, last_index) = _tokens(path)
    node: Any = data
    for name, index in parents:
        node = node[int(index)] if index else node[name]
    if last_index:
        node[int(last_index)] = value
    else:
        node[last] = value


def path_of(loc: tuple[int | str, ...]) -> str:
    """A pydantic error location as a field path: ('tasks', 2, 'score') -> tasks[2].score."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _errors_by_path(e: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for err in e.errors():
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and ("[" in p or p.startswith("function-"))))
        message = err["msg"].removeprefix("Value error, ")
        errors.setdefault(path_of(loc), message)
    return errors
