"""What ``--mode auto`` learnt about an endpoint, kept in drafter's database so that later runs do not ask again.

Keyed by the public base URL (no user:password, no query string: ``redact.public_url``) and the model, so no
secret is ever stored; ``--reprobe`` (or ``drafter endpoints --forget``) forgets it and the next run asks again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from ..redact import public_url
from ..store import Migrations, Store, open_store

MIGRATIONS = Migrations("probe")


@MIGRATIONS.add
def create_endpoint_modes(con):
    con.execute(
        """
CREATE TABLE endpoint_modes (
  base_url TEXT NOT NULL,  -- public: without user:password or query string
  model TEXT NOT NULL,
  mode TEXT NOT NULL,  -- the structured-output mode the server accepted (tools, json_schema, json)
  probed REAL NOT NULL,  -- unix time of the probe
  PRIMARY KEY (base_url, model)
)"""
    )


@dataclass(frozen=True)
class Remembered:
    base_url: str
    model: str
    mode: str
    probed: float


class ModeMemory:
    """The remembered modes in ``store`` (default: drafter's database, shared with the run log)."""

    def __init__(self, store: Store | None = None):
        self.store = store.share() if store is not None else open_store()
        self.store.migrate(MIGRATIONS)

    def close(self) -> None:
        self.store.close()

    def mode(self, base_url: str | None, model: str) -> str | None:
        row = (
            self.store.reader()
            .execute("SELECT mode FROM endpoint_modes WHERE base_url = ? AND model = ?", (public_url(base_url), model))
            .fetchone()
        )
        return row[0] if row else None

    def remember(self, base_url: str | None, model: str, mode: str) -> None:
        with self.store.transaction() as con:
            con.execute(
                "INSERT OR REPLACE INTO endpoint_modes (base_url, model, mode, probed) VALUES (?, ?, ?, ?)",
                (public_url(base_url), model, mode, time.time()),
            )

    def forget(self, base_url: str | None = None, model: str | None = None) -> int:
        """Forget one endpoint's mode (``base_url`` and ``model``), or every one (neither); how many were."""
        with self.store.transaction() as con:
            if base_url is None and model is None:
                return con.execute("DELETE FROM endpoint_modes").rowcount
            where = (public_url(base_url), model)
            return con.execute("DELETE FROM endpoint_modes WHERE base_url = ? AND model = ?", where).rowcount

    def all(self) -> list[Remembered]:
        rows = self.store.reader().execute("SELECT base_url, model, mode, probed FROM endpoint_modes ORDER BY 1, 2")
        return [Remembered(*r) for r in rows]
