"""Which role an assessment is of, so a final is only ever compared with, and recorded against, its own draft.

A diff or an audit-trail row that sets one role's final against another role's draft records something false
("Electricians Red → Yellow" against a Medical Records draft), so ``diff`` refuses it unless the caller says
it is meant (``--other-role``). Two assessments are of the same role when they share an O*NET-SOC code (the
role table's SOC code or the O*NET occupation drafted, ``29-2072`` and ``29-2072.00`` being one code), or,
when either has no code (a custom task list), the same job title.
"""

from __future__ import annotations

from ..assessment import Assessment
from ..codes import normalise_onet_code
from ..errors import DrafterError


class RoleMismatch(DrafterError):
    """A final of another role than its draft's; ``--other-role`` compares them anyway."""


def role_codes(a: Assessment) -> list[str]:
    """The assessment's O*NET-SOC codes, canonical (dotted) form, the role table's first."""
    out: list[str] = []
    for code in (a.role.soc_code, a.provenance.onet_code):
        if code and (c := normalise_onet_code(code)) not in out:
            out.append(c)
    return out


def role_key(a: Assessment) -> str:
    """How the audit trail files an acceptance: the canonical O*NET-SOC code, else the job title."""
    codes = role_codes(a)
    return codes[0] if codes else a.role.job_title


def history_keys(role: str) -> tuple[str, ...]:
    """The keys a role given on the command line may be filed under: ``29-2072`` and ``29-2072.00`` are one
    code (rows recorded before keys were canonical may hold either form); anything else is a job title."""
    try:
        code = normalise_onet_code(role)
    except ValueError:
        return (role.strip(),)
    return (code, code.removesuffix(".00")) if code.endswith(".00") else (code,)


def same_role(draft: Assessment, final: Assessment) -> bool:
    dc, fc = role_codes(draft), role_codes(final)
    if dc and fc:
        return bool(set(dc) & set(fc))
    return draft.role.job_title.strip().casefold() == final.role.job_title.strip().casefold()


def describe_role(a: Assessment) -> str:
    codes = role_codes(a)
    return f"{codes[0]} ({a.role.job_title})" if codes else repr(a.role.job_title)


def check_same_role(draft: Assessment, final: Assessment, draft_name: str, final_name: str) -> None:
    """Refuse a final of another role than its draft's, naming both (RoleMismatch, exit 2)."""
    if not same_role(draft, final):
        raise RoleMismatch(
            f"{final_name}: a final of {describe_role(final)}, but its draft {draft_name} is of "
            f"{describe_role(draft)}; refused, so nothing records one role's changes against another "
            "(--other-role if comparing different roles is meant)"
        )
