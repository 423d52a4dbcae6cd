"""O*NET-SOC codes. Kept free of heavy imports: the O*NET lookup path uses it at start-up."""

from __future__ import annotations

import re

SOC_PATTERN = r"^\d{2}-\d{4}(\.\d{2})?$"


def normalise_onet_code(code: str) -> str:
    """'29-2072' and '29-2072.00' name the same O*NET occupation; the dotted form is canonical."""
    code = code.strip()
    if re.fullmatch(r"\d{2}-\d{4}", code):
        return code + ".00"
    if re.fullmatch(r"\d{2}-\d{4}\.\d{2}", code):
        return code
    raise ValueError(f"expected an O*NET-SOC code like 29-2072 or 29-2072.00, got {code!r}")
