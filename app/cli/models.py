"""``nodeloom models list | import FILE.onnx --task … [--labels FILE] [--name N] | remove NAME``: the model library
of the data folder (SPEC §4, "Models"), as the model blocks read it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from engine.errors import ModelError, NotFound
from engine.folders import home
from engine.models import ModelLibrary

from .common import CliError

__all__ = ["cmd_models"]


def _likely_task(path: Path) -> tuple[str, str]:
    """What the model's outputs say it does, said on stderr; a CliError when they do not tell."""
    from engine.models.inspect import inspect_model
    from engine.models.library import check_file

    check_file(path)
    shape = inspect_model(path)
    likely = shape.likely_task()
    if likely is None:
        outs = ", ".join(f"{n} {list(s)}" for n, s in shape.outputs)
        raise CliError(f"cannot tell what {path.name} does from its outputs ({outs}): "
                       "give --task classify, detect or segment")
    print(f"nodeloom: {path.name} looks like a {likely[0]} model ({likely[1]} outputs); give --task to choose",
          file=sys.stderr)
    return likely


def library(args) -> ModelLibrary:
    return ModelLibrary(home(args.home) / "models")


def _labels(path: str | None) -> list[str] | None:
    if not path:
        return None
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise CliError(f"cannot read the labels file {path}: {e.strerror or e}") from None
    if text.lstrip().startswith("["):
        try:
            labels = json.loads(text)
        except ValueError as e:
            raise CliError(f"{path} is not a JSON list of labels: {e}") from None
        return [str(x) for x in labels]
    return [line.strip() for line in text.splitlines() if line.strip()]


def _list(args, lib: ModelLibrary) -> int:
    cards = lib.list()
    if args.json:
        print(json.dumps({"folder": str(lib.folder), "models": [c.to_json() for c in cards]}, ensure_ascii=False))
        return 0
    if not cards:
        print(f"no models in {lib.folder} (nodeloom models import FILE.onnx --task classify|detect|segment)")
        return 0
    for c in cards:
        print(f"{c.name:24} {c.task:9} {c.decoding:8} {c.width}×{c.height} {c.layout}  {len(c.labels)} labels  "
              f"{c.sha256[:12]}")
    return 0


def cmd_models(args) -> int:
    lib = library(args)
    try:
        if args.action == "list":
            return _list(args, lib)
        if not args.target:
            raise CliError(f"nodeloom models {args.action} needs " + ("FILE.onnx" if args.action == "import" else "NAME"))
        if args.action == "remove":
            lib.remove(args.target)
            print(f"removed {args.target}")
            return 0
        task, decoding = args.task, args.decoding
        if not task:
            task, guessed = _likely_task(Path(args.target))
            decoding = decoding or guessed
        extra = {"width": args.width, "height": args.height, "layout": args.layout, "resize": args.resize,
                 "decoding": decoding}
        if args.objectness:
            extra["objectness"] = True
        card = lib.import_model(args.target, task, name=args.name, labels=_labels(args.labels),
                                replace=args.replace, **extra)
        print(json.dumps(card.to_json(), ensure_ascii=False) if args.json else f"imported {card.name} "
              f"({card.task}, {card.width}×{card.height} {card.layout}, {len(card.labels)} labels) into {lib.folder}")
        return 0
    except (ModelError, NotFound) as e:
        raise CliError(str(e)) from None
