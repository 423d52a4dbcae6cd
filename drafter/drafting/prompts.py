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
    stamp = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(directory.glob("*.j2")))
    return _version(name, str(directory), stamp)


@cache
def _version(name: str, directory_name: str, stamp: tuple) -> str:
    """Cached on the folder's file stamps: parsing templates for their includes on every call is costly."""
    directory = Path(directory_name)
    h = hashlib.sha256()
    for n in _sources(name, directory):
        h.update(n.encode() + b"\0" + (directory / n).read_bytes() + b"\0")
    return f"{name.removesuffix('.j2')}@{h.hexdigest()[:12]}"


def render(name: str, directory: Path | None = None, **variables) -> str:
    directory = directory or prompts_dir()
    return _env(str(directory)).get_template(name).render(**variables)
