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


def prompt_version(name: str, directory: Path | None = None) -> str:
    """``name@<12 hex>``: the SHA-256 of the template and its includes. Any edit changes the version."""
    directory = directory or prompts_dir()
    key = (name, str(directory))
    known = _versions.get(key)
    if known is not None:
        sources, stamp, version = known
        if _stamp(directory, sources) == stamp:  # a few stats per call instead of parsing templates
            return version
    sources = tuple(_sources(name, directory))
    h = hashlib.sha256()
    for n in sources:
        h.update(n.encode() + b"\0" + (directory / n).read_bytes() + b"\0")
    version = f"{name.removesuffix('.j2')}@{h.hexdigest()[:12]}"
    _versions[key] = (sources, _stamp(directory, sources), version)
    return version


_versions: dict[tuple[str, str], tuple[tuple[str, ...], tuple, str]] = {}


def _stamp(directory: Path, sources: tuple[str, ...]) -> tuple:
    out = []
    for n in sources:
        st = (directory / n).stat()
        out.append((st.st_mtime_ns, st.st_size, st.st_ino))
    return tuple(out)


def render(name: str, directory: Path | None = None, **variables) -> str:
    directory = directory or prompts_dir()
    return _env(str(directory)).get_template(name).render(**variables)
