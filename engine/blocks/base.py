"""The block declaration API (SPEC §4).

A block is one small class in one file::

    class ImageBlur(Block):
        type = "image_blur"
        category = "image"
        inputs = (Port("image", "image"),)
        outputs = (Port("image", "image"),)

        class Config(BlockConfig):
            radius: float = Field(2.0, ge=0, le=100)

        async def run(self, ctx, inputs, config):
            img = inputs["image"]
            return {"image": await ctx.run_blocking(img.filter, ImageFilter.GaussianBlur(config.radius))}

Everything about a block is readable from the class without instantiating it or importing Qt:
:meth:`Block.describe` gives its ports and the JSON schema of its config, for the palette, the validator,
the CLI and the server alike. ``run`` returns a dict of output values; an output port missing from that
dict carries no value (downstream nodes that need it are skipped), which is how ``condition`` picks a branch.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from typing import Any, ClassVar, Mapping

from pydantic import BaseModel, ConfigDict

from .context import BlockContext

__all__ = ["Port", "BlockConfig", "Block", "ERROR_PORT"]

ERROR_PORT = "error"


@dataclass(frozen=True, slots=True)
class Port:
    """A typed port. Inputs are required unless ``required=False`` or they share a config field's name."""

    name: str
    type: str = "any"
    required: bool = True
    description: str = ""

    def to_json(self) -> dict:
        return {"name": self.name, "type": self.type, "required": self.required, "description": self.description}


class BlockConfig(BaseModel):
    """Base of every block's ``Config``: unknown keys are refused so typos surface in validation."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Block:
    """Base class of all blocks. Subclasses set the class attributes and implement :meth:`run`."""

    type: ClassVar[str]
    version: ClassVar[int] = 1
    category: ClassVar[str] = "general"
    title: ClassVar[str] = ""
    description: ClassVar[str] = ""
    #: more words a person may search the palette for ("grey" for a grayscale block, "png" for loading images)
    keywords: ClassVar[tuple[str, ...]] = ()
    inputs: ClassVar[tuple[Port, ...]] = ()
    outputs: ClassVar[tuple[Port, ...]] = ()
    Config: ClassVar[type[BlockConfig]] = BlockConfig
    deterministic: ClassVar[bool] = True
    #: a pure function of its inputs and config (no files of this machine, no store, no side effects): a
    #: ForEach body made only of portable blocks may run on a cluster (SPEC §6b, engine/distributed)
    portable: ClassVar[bool] = False
    #: config fields that are themselves code (an expression, a template, a program): they cannot hold a
    #: ``$expr`` — a value read into them would be evaluated, and data is never code (SPEC §5a)
    code_fields: ClassVar[tuple[str, ...]] = ()
    #: safe to start inline, before a Task exists: the block awaits only plain futures (sleep, run_blocking),
    #: never ``asyncio.timeout``/anyio cancel scopes, which bind to the current task.
    inline: ClassVar[bool] = False
    #: accepts input ports beyond the declared ones (any name, type ``any``, optional), ordered naturally.
    dynamic_inputs: ClassVar[bool] = False
    legacy_types: ClassVar[tuple[str, ...]] = ()
    #: input ports that, when connected, override the config field of the same name. None means every input
    #: that shares a config field's name (SPEC §4); such ports are optional.
    config_inputs: ClassVar[tuple[str, ...] | None] = None
    #: "foreach" and "collect" mark the two ends of a loop body; the executor runs the body between them.
    role: ClassVar[str | None] = None
    #: does something beyond computing its outputs (writes files, sends requests, runs user code, starts runs):
    #: live preview, which runs as the user edits, holds such a node (and what follows it) until a real run
    acts_on_world: ClassVar[bool] = False
    #: modules of an optional extra the block needs (``onnxruntime``): without them it is listed, marked unavailable
    requires: ClassVar[tuple[str, ...]] = ()
    #: config fields left out of the cache key because :meth:`cache_salt` stands for what they name (a model
    #: block's ``model``: the model file's SHA-256 — a renamed model is the same model)
    cache_stands_for: ClassVar[tuple[str, ...]] = ()

    async def run(self, ctx: BlockContext, inputs: dict[str, Any], config: BlockConfig) -> dict[str, Any]:
        raise NotImplementedError(f"block {self.type!r} does not implement run()")

    @classmethod
    def starter_config(cls, node_id: str) -> dict[str, Any]:
        """The config a node of this block starts with when a person adds it in the editor: values for its
        required fields, so a new node is valid at once (an ``input`` is named after its node)."""
        return {}

    def cache_salt(self, ctx: BlockContext, inputs: dict[str, Any], config: BlockConfig) -> str | None:
        """Extra cache-key material beyond type, version, config and inputs (a file's mtime, say);
        None means "do not cache this time". Only asked of deterministic blocks."""
        return ""

    # -- description, no instance needed ------------------------------------------------------------------

    @classmethod
    def live_safe(cls, config: Mapping[str, Any], *, user_code: bool = False) -> bool:
        """Whether a node with this config (as written: a field may hold an ``$expr``) may run in live preview:
        not when it acts on the world. ``user_code``: the user lets code blocks run live."""
        return not cls.acts_on_world

    @classmethod
    def unavailable(cls) -> str | None:
        """None when the block can run here, else why not (an optional extra that is not installed)."""
        from importlib.util import find_spec

        missing = [m for m in cls.requires if find_spec(m) is None]
        if not missing:
            return None
        return (f"{cls.type} needs {', '.join(missing)}, which is not installed here (the optional extra: "
                f"pip install 'nodeloom[inference]')")

    @classmethod
    def overriding_inputs(cls) -> frozenset[str]:
        if cls.config_inputs is not None:
            return frozenset(cls.config_inputs)
        return frozenset(p.name for p in cls.inputs if p.name in cls.Config.model_fields)

    @classmethod
    def input_ports(cls, config: BlockConfig | None = None) -> tuple[Port, ...]:
        shared = cls.overriding_inputs()
        return tuple(Port(p.name, p.type, False, p.description) if p.name in shared else p for p in cls.inputs)

    @classmethod
    def output_ports(cls, config: BlockConfig | None = None) -> tuple[Port, ...]:
        """Declared outputs plus the ``error`` port every node has. Blocks may refine types from config."""
        return cls.outputs + (Port(ERROR_PORT, "object", description="the error, with on_error: continue"),)

    @classmethod
    def display_title(cls) -> str:
        """The block's name for people: its ``title``, else its type in words ("image_blur" → "Image Blur")."""
        return cls.title or cls.type.replace("_", " ").title()

    @classmethod
    def summary(cls) -> str:
        """The first paragraph of the block's docstring (its lines up to the first blank one), as one line: a
        sentence that spans lines is kept whole."""
        paragraph = re.split(r"\n\s*\n", inspect.cleandoc(cls.__doc__ or ""), maxsplit=1)[0]
        return " ".join(paragraph.split())

    @classmethod
    def config_defaults(cls) -> dict[str, Any]:
        """The value each config field that has a default takes when a node leaves it out."""
        return {name: f.get_default(call_default_factory=True)
                for name, f in cls.Config.model_fields.items() if not f.is_required()}

    @classmethod
    def config_schema(cls) -> dict:
        return cls.Config.model_json_schema()

    @classmethod
    def describe(cls) -> dict:
        return {
            "type": cls.type,
            "version": cls.version,
            "category": cls.category,
            "title": cls.display_title(),
            "description": cls.description or cls.summary(),
            "keywords": list(cls.keywords),
            "inputs": [p.to_json() for p in cls.input_ports()],
            "outputs": [p.to_json() for p in cls.output_ports()],
            "dynamic_inputs": cls.dynamic_inputs,
            "config_schema": cls.config_schema(),
            "deterministic": cls.deterministic,
            "portable": cls.portable,
            "acts_on_world": cls.acts_on_world,
            "legacy_types": list(cls.legacy_types),
            "unavailable": cls.unavailable(),
        }
