"""What the inspector's form reads from a block's config JSON schema: a field's resolved property (a $ref
followed, an Optional's non-null branch), and a validation message as a sentence."""

from __future__ import annotations

import re

__all__ = ["resolve", "sentence"]


def sentence(message: str) -> str:
    """A validation message as a sentence: no "Value error," prefix, a capital first letter, a full stop."""
    text = re.sub(r"^(Value|Assertion) error,\s*", "", message.strip())
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def resolve(schema: dict, prop: dict) -> dict:
    """Follow $ref and pick the non-null branch of an Optional."""
    if "$ref" in prop:
        prop = schema.get("$defs", {}).get(prop["$ref"].split("/")[-1], prop)
    if "anyOf" in prop:
        branches = [b for b in prop["anyOf"] if b.get("type") != "null"]
        merged = {**prop, **(branches[0] if branches else {})}
        merged["nullable"] = len(branches) < len(prop["anyOf"])
        merged.pop("anyOf", None)
        return merged
    return prop
