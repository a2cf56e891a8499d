"""The server's bearer token: 256 random bits per data folder, kept in a file only the user can read."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

__all__ = ["load_token", "new_token", "TOKEN_FILE"]

TOKEN_FILE = "server-token"


def new_token(home: str | os.PathLike) -> str:
    """A fresh token for the data folder ``home`` (the old one stops working)."""
    token = secrets.token_urlsafe(32)
    path = Path(home) / TOKEN_FILE
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(token + "\n")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return token


def load_token(home: str | os.PathLike) -> str:
    """The data folder's token, made on first use; a file others can read is made again (and so replaced)."""
    path = Path(home) / TOKEN_FILE
    try:
        if path.stat().st_mode & 0o077:
            return new_token(home)
        token = path.read_text("ascii").strip()
    except (OSError, UnicodeDecodeError):
        return new_token(home)
    return token if len(token) >= 22 else new_token(home)  # ≥ 128 bits of urlsafe base64
