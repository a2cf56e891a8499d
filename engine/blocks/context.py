"""What a block sees while it runs, as a protocol: blocks depend on this, never on the executor's classes.

The executor's :class:`~engine.executor.context.NodeContext` implements it; a test double or another
backend may too. ``policy`` carries what the run service allows this run (python blocks, …): an object handed
down from the service's settings, never read from the environment.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Protocol, TypeVar

__all__ = ["BlockContext", "Policy", "OPEN_POLICY"]

T = TypeVar("T")


class Policy(Protocol):
    """What runs may do. The run service's settings satisfy it."""

    @property
    def allow_python_blocks(self) -> bool: ...

    @property
    def max_image_megapixels(self) -> float: ...


@dataclass(frozen=True)
class _Open:
    allow_python_blocks: bool = True
    max_image_megapixels: float = 200


#: the policy of an executor used on its own (tests, benchmarks): everything a block can do is allowed
OPEN_POLICY: Policy = _Open()


class BlockContext(Protocol):
    """Per node attempt. ``progress``, ``preview`` and ``log`` are safe to call from a ``run_blocking`` thread."""

    node_id: str
    iteration: tuple[int, ...]
    loop: dict | None
    attempt: int

    @property
    def run_id(self) -> str: ...

    @property
    def inputs(self) -> dict[str, Any]:
        """The workflow's run inputs (what ``input`` nodes read)."""

    @property
    def base_dir(self) -> Path:
        """The folder relative paths resolve against."""

    @property
    def lineage(self) -> tuple[str, ...]:
        """The stored workflows this run is nested in (sub-workflows), outermost first."""

    @property
    def policy(self) -> Policy: ...

    def resolve_path(self, path: str) -> Path: ...

    def scope(self, data: Any) -> dict:
        """Names visible to templates and expressions: ``data``, and ``loop`` inside a ForEach body."""

    def progress(self, fraction: float | None, message: str = "") -> None: ...

    def preview(self, image: Any, message: str = "") -> None: ...

    def log(self, message: str) -> None: ...

    def emit_output(self, name: str, value: Any) -> None: ...

    async def sub_workflow(self, ref: str, version: int | None, data: dict, *, mode: str,
                           timeout_s: float) -> dict[str, Any]: ...

    async def run_blocking(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T: ...
