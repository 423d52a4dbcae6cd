"""The task model's tokens: one function, used alike by the fit (scikit-learn) and the predictor (numpy).

A task is its statement's word stems plus two context tokens a held-out role still has: its title's stems
(``t:`` prefix) and its major SOC group (``m:`` prefix, e.g. ``m:29``). Only the statement's own stems feed
the nearest-neighbour part; the context tokens help the logistic regression tell a nurse's "monitor" from an
analyst's.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..onet.catalog import stems

TITLE_PREFIX = "t:"
MAJOR_PREFIX = "m:"
_SOC = re.compile(r"^(\d\d)-\d{4}")


def major_group(code: str | None) -> str | None:
    m = _SOC.match(code or "")
    return m.group(1) if m else None


@lru_cache(maxsize=1 << 16)
def _stems(text: str) -> tuple[str, ...]:
    """Stemming is most of the fit's and the cross-validation's time; the same statements recur in every fold."""
    return tuple(stems(text))


def document(statement: str, title: str = "", code: str | None = None) -> list[str]:
    tokens = [*_stems(statement), *(TITLE_PREFIX + s for s in _stems(title))]
    major = major_group(code)
    if major:
        tokens.append(MAJOR_PREFIX + major)
    return tokens


def is_context_token(token: str) -> bool:
    return token.startswith((TITLE_PREFIX, MAJOR_PREFIX))
