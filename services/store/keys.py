"""Secrets the store must not hold: from a setting, else made once and kept owner-only in ILACS_HOME."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from services.settings import Secret


def kept_secret(setting: Secret | None, path: Path) -> str:
    """The secret a setting gives, else the one kept in `path`, which is made (owner-only, never
    printed) the first time; two processes starting together agree on one value."""
    if setting is not None:
        return setting.get_secret_value()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        draft.touch(mode=0o600)
        draft.write_text(secrets.token_urlsafe(48))
        try:
            os.link(draft, path)  # appears whole or not at all; fails if another process was first
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()
