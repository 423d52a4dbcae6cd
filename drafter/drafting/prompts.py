"""Prompt templates (Jinja2 files under ``prompts/``), rendered strictly, versioned by content hash."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from ..resources import prompts_dir


@cache
def _env(directory: str):
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(directory),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )


def _sources(name: str, directory: Path) -> list[str]:
    """The template and everything it includes, in a stable order."""
    import jinja2.meta

    env = _env(str(directory))
    seen: list[str] = []
    stack = [name]
    while stack:
        n = stack.pop()
        if n in seen:
            continue
        seen.append(n)
        source = (directory / n).read_text(encoding="utf-8")
        stack.extend(sorted(t for t in jinja2.meta.find_referenced_templates(env.parse(source)) if t))
    return sorted(seen)


# Every step's request starts with these (system prompt and rubric, then the role's context), so they are part of
# every step's version: an edit to the rubric layout or the calibration table changes all four.
SHARED = ("system.j2", "role.j2")
COMPACT_SYSTEM = "system_compact.j2"
"""The system prompt with the compact rubric (drafting/trim.py, step 4), sent in place of ``system.j2``."""


def prompt_version(name: str, directory: Path | None = None, *, compact: bool = False) -> str:
    """``name@<12 hex>``: the SHA-256 of the template, the shared parts every request starts with, and their
    includes. Any edit changes the version. ``compact``: the request was sent with the compact rubric
    (``COMPACT_SYSTEM`` in place of ``system.j2``), a version of its own."""
    directory = directory or prompts_dir()
    key = (name, str(directory), compact)
    known = _versions.get(key)
    if known is not None:
        sources, stamp, version = known
        if _stamp(directory, sources) == stamp:  # a few stats per call instead of parsing templates
            return version
    parts = (COMPACT_SYSTEM, *SHARED[1:]) if compact else SHARED
    shared = [n for n in parts if n != name and (directory / n).is_file()]
    sources = tuple(sorted({s for n in (name, *shared) for s in _sources(n, directory)}))
    h = hashlib.sha256()
    for n in sources:
        h.update(n.encode() + b"\0" + (directory / n).read_bytes() + b"\0")
    version = f"{name.removesuffix('.j2')}@{h.hexdigest()[:12]}"
    _versions[key] = (sources, _stamp(directory, sources), version)
    return version


_versions: dict[tuple[str, str, bool], tuple[tuple[str, ...], tuple, str]] = {}


def _stamp(directory: Path, sources: tuple[str, ...]) -> tuple:
    out = []
    for n in sources:
        st = (directory / n).stat()
        out.append((st.st_mtime_ns, st.st_size, st.st_ino))
    return tuple(out)


def render(name: str, directory: Path | None = None, **variables) -> str:
    directory = directory or prompts_dir()
    return _env(str(directory)).get_template(name).render(**variables)
