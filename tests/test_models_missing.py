"""Without the extra nodeloom[inference] the model blocks are still listed, marked unavailable, and a workflow
using one is refused with what to install — never an ImportError. A real interpreter with onnxruntime and cv2
hidden from its imports."""

from __future__ import annotations

import json
import subprocess
import sys

HIDE = """
import sys
sys.modules["onnxruntime"] = sys.modules["cv2"] = None  # (what Python does for a module that is not there)
"""

PROBE = HIDE + """
import asyncio, json
from importlib.util import find_spec
from engine.blocks.registry import default_registry
from engine.errors import WorkflowInvalid
from engine.executor import Executor
from engine.executor.single import run_block

reg = default_registry(plugins=False)
listed = {t: reg.get(t).describe()["unavailable"] for t in ("model_classify", "face_detect", "image_blur")}

async def go():
    ex = Executor(reg)
    try:
        await run_block(ex, "model_classify", {"image": None}, {"model": "m"})
    except WorkflowInvalid as e:
        return [(i.code, i.message) for i in e.issues]
    finally:
        ex.close()

print(json.dumps({"listed": listed, "issues": asyncio.run(go())}))
"""


def test_model_blocks_are_listed_but_unavailable_without_the_extra():
    proc = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["listed"]["image_blur"] is None
    assert "onnxruntime" in out["listed"]["model_classify"] and "nodeloom[inference]" in out["listed"]["model_classify"]
    assert "cv2" in out["listed"]["face_detect"]
    assert ["block_unavailable", out["listed"]["model_classify"]] in out["issues"]


def test_the_cli_starts_and_lists_the_blocks_without_the_extra():
    code = HIDE + "import sys; sys.argv = ['nodeloom', 'blocks', '--json']\nfrom app.cli import main; main()"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    blocks = {b["type"]: b for b in json.loads(proc.stdout)["blocks"]}
    assert {"model_classify", "model_detect", "model_segment", "face_detect"} <= set(blocks)
    assert blocks["model_detect"]["unavailable"] and blocks["image_crop"]["unavailable"] is None
