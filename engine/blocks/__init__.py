"""Blocks: the declaration API, the registry and the built-in catalogue."""

from .base import ERROR_PORT, Block, BlockConfig, Port
from .context import OPEN_POLICY, BlockContext, Policy
from .registry import ENTRY_POINT_GROUP, BlockRegistry, default_registry

__all__ = ["Block", "BlockConfig", "Port", "ERROR_PORT", "BlockRegistry", "default_registry", "ENTRY_POINT_GROUP",
           "BlockContext", "Policy", "OPEN_POLICY"]
