"""The layer block of docs/architecture.md, generated from the import contracts in pyproject.toml.

The contracts are what `lint-imports` enforces; the page shows them. Writing the page by hand let it drift
(layers missing, a contract said to fail that did not), so the block between the two markers is generated and
tests/test_architecture.py fails when it differs. After changing a contract, run from the repository root:

    python scripts/architecture.py --write

``python scripts/architecture.py`` (no option) prints the block; ``--check`` exits 1 when the page differs.
The same module finds import circles (``import_circles``) for the no-circle test.
"""

from __future__ import annotations

import sys
import textwrap
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"
BEGIN = "<!-- BEGIN layers: generated from pyproject.toml by `python scripts/architecture.py --write` -->"
END = "<!-- END layers -->"
MIN_WIDTH = 76  # inside the box; wider when a row of cells needs it


def contracts(root: Path = ROOT) -> list[dict]:
    """The import-linter contracts as pyproject.toml declares them."""
    config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    return config["tool"]["importlinter"]["contracts"]


def top_level_modules(root: Path = ROOT, package: str = "drafter") -> set[str]:
    """The package's top-level modules and subpackages, from the file tree (what a contract must cover)."""
    base = root / package
    names = {p.stem for p in base.glob("*.py") if p.stem != "__init__"}
    return names | {p.name for p in base.iterdir() if (p / "__init__.py").is_file()}


def llm_may_import(root: Path = ROOT) -> set[str]:
    """The top-level modules the llm contract does not forbid (besides llm itself)."""
    (llm,) = [c for c in contracts(root) if c["id"] == "llm-domain-free"]
    forbidden = {m.removeprefix("drafter.") for m in llm["forbidden_modules"]}
    return top_level_modules(root) - forbidden - {"llm"}


MAX_CELLS = 6  # a row of more independent modules (the leaves) is one cell listing them, so the box stays narrow


def _cells(layer: str, root: Path) -> list[str]:
    names = [n.strip() for n in layer.replace(":", "|").split("|")]
    cells = [f"{n}/" if (root / "drafter" / n).is_dir() else f"{n}.py" for n in names]
    if len(cells) <= MAX_CELLS:
        return cells
    return ["\n".join(textwrap.wrap(" · ".join(cells) + "  (independent of each other)", MIN_WIDTH - 4))]


def _splits(n: int, width: int) -> list[int]:
    """Where the vertical bars go for n side-by-side cells (columns inside the box)."""
    return [width * i // n for i in range(1, n)]


def _rule(left: str, right: str, above: list[int], below: list[int], width: int) -> str:
    chars = []
    for x in range(width):
        up, down = x in above, x in below
        chars.append("┼" if up and down else "┴" if up else "┬" if down else "─")
    return left + "".join(chars) + right


def _row(cells: list[str], width: int) -> list[str]:
    """The row's lines (a cell may hold several lines)."""
    bounds = [0, *_splits(len(cells), width), width]
    height = max(cell.count("\n") + 1 for cell in cells)
    lines = []
    for k in range(height):
        parts = []
        for i, cell in enumerate(cells):
            text = (cell.split("\n") + [""] * height)[k]
            parts.append(f" {text}".ljust(bounds[i + 1] - bounds[i] - (1 if i else 0)))
        lines.append("│" + "│".join(parts) + "│")
    return lines


def _box(layers: list[str], root: Path) -> list[str]:
    rows = [_cells(layer, root) for layer in layers]
    longest = [max(len(line) for cell in r for line in cell.split("\n")) for r in rows]
    width = max([MIN_WIDTH] + [len(r) * (n + 3) for r, n in zip(rows, longest, strict=True)])  # every name fits
    splits = [_splits(len(r), width) for r in rows]
    lines = [_rule("┌", "┐", [], splits[0], width)]
    for i, cells in enumerate(rows):
        last = i + 1 == len(rows)
        lines += _row(cells, width)
        lines.append(_rule("└" if last else "├", "┘" if last else "┤", splits[i], [] if last else splits[i + 1], width))
    return lines


def _ignored(contract: dict) -> str:
    pairs = [i.replace(f"{contract['containers'][0]}.", "") for i in contract.get("ignore_imports", [])]
    return f"  (ignored for now: {', '.join(pairs)})" if pairs else ""


def layer_block(root: Path = ROOT) -> str:
    """The generated block: the top-level layers as boxes, the llm rule, and the layers inside packages."""
    found = contracts(root)
    (top,) = [c for c in found if c["type"] == "layers" and c.get("containers") == ["drafter"]]
    lines = [BEGIN, "```", "drafter/  (a module imports only from the rows below it; cells side by side do not import each other)"]  # fmt: skip
    lines += _box(top["layers"], root)
    lines += ["", f"drafter/llm/ imports, besides itself, only: {' · '.join(sorted(llm_may_import(root)))}", ""]
    lines.append("inside packages (a → b: a may import b; modules not named are free):")
    inner = sorted((c for c in found if c["type"] == "layers" and c.get("containers") != ["drafter"]), key=lambda c: c["containers"][0])  # fmt: skip
    width = max(len(c["containers"][0].removeprefix("drafter.")) for c in inner) + 2 if inner else 0
    for c in inner:
        package = c["containers"][0].removeprefix("drafter.") + "/"
        lines.append(f"  {package.ljust(width)}{' → '.join(c['layers'])}{_ignored(c)}")
    lines += ["```", END]
    return "\n".join(lines)


def page_with_block(page: str, block: str) -> str:
    """The page with its generated block replaced (the markers must be there, once)."""
    if page.count(BEGIN) != 1 or page.count(END) != 1:
        raise ValueError(f"{DOC}: expected the markers {BEGIN!r} and {END!r} once each")
    head, rest = page.split(BEGIN)
    _, tail = rest.split(END)
    return head + block + tail


def import_circles(graph) -> set[frozenset[str]]:
    """Every set of modules that import one another in a circle (strongly connected, size > 1), from a grimp graph.

    Function-level imports count: grimp records them like the others.
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: set[frozenset[str]] = set()

    def visit(v: str) -> None:  # Tarjan's algorithm; the package is small enough for recursion
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.find_modules_directly_imported_by(v)):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.add(frozenset(component))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return circles


def main(argv: list[str]) -> int:
    block = layer_block()
    if not argv:
        print(block)
        return 0
    page = DOC.read_text(encoding="utf-8")
    wanted = page_with_block(page, block)
    if argv == ["--check"]:
        if wanted != page:
            print(f"{DOC}: the layer block differs from pyproject.toml; run: python scripts/architecture.py --write")
            return 1
        return 0
    if argv == ["--write"]:
        if wanted != page:
            DOC.write_text(wanted, encoding="utf-8")
            print(f"updated {DOC}")
        return 0
    print("usage: python scripts/architecture.py [--check | --write]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
