"""What the inspector's form reads from a block's config: a field's resolved property in the JSON schema (a $ref
followed, an Optional's non-null branch), the config as a run reads it, and a validation message as a
sentence."""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from engine.expr.fields import find_exprs

__all__ = ["resolve", "sentence", "as_run_reads"]


def as_run_reads(cls, config: dict) -> dict[str, Any]:
    """Each field of ``cls.Config`` as a run reads it from the stored ``config``: the validated value — a key
    left out reads the field's default, as ``cls.Config.model_validate(config)`` says — and a field holding an
    expression, the expression as stored. A config that does not validate (a required field nobody filled in
    yet, a value from a file the Config refuses): each field's stored value, else its default; a required
    field with neither is left out."""
    exprs = {path[0] for path, _ in find_exprs(config)}
    fixed = {k: v for k, v in config.items() if k not in exprs}
    try:
        values = cls.Config.model_validate(fixed).model_dump(mode="json")
    except ValidationError:
        values = {}
        for name, info in cls.Config.model_fields.items():
            if name in fixed:
                values[name] = fixed[name]
            elif not info.is_required():
                values[name] = info.get_default(call_default_factory=True)
    return {**values, **{k: config[k] for k in exprs}}


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
