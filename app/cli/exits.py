"""The exit codes of ``nodeloom`` and the error for bad arguments: a leaf module (no engine), so the parser and
``main`` load without the engine."""

from __future__ import annotations

__all__ = ["CliError", "EXIT_OK", "EXIT_FAILED", "EXIT_INVALID"]

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2


class CliError(Exception):
    """Bad arguments or an unreadable document: printed, exit code 2."""
