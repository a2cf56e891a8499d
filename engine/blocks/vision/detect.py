from __future__ import annotations

from pydantic import Field

from ..base import Block, BlockConfig, Port
from ..image._common import need_image
from ._common import infer, model_salt


class ModelDetectBlock(Block):
    """Find objects in a picture with a detector of the model library: boxes in the picture's pixels (left, top,
    right, bottom, label, score), ready for image_draw_boxes and image_crop."""

    type = "model_detect"
    category = "vision"
    requires = ("onnxruntime",)
    cache_stands_for = ("model",)  # (the cache salt is the model file's SHA-256: a renamed model is the same)
    portable = True  # (on a cluster's worker: with the library at the same path, each worker loads a model once)
    keywords = ("detector", "yolo", "ssd", "onnx", "object detection", "bounding box", "ai", "inference")
    inputs = (Port("image", "image"), Port("model", "string", required=False))
    outputs = (Port("boxes", "list"), Port("count", "integer"))

    class Config(BlockConfig):
        model: str = Field("", description="a model of the library (Models ▸ Import…, nodeloom models list)",
                           json_schema_extra={"format": "model", "task": "detect"})
        min_score: float = Field(0.25, ge=0, description="boxes scoring less are dropped (above 1: none kept)")
        iou: float = Field(0.45, ge=0, description="boxes of a class overlapping more than this (intersection over "
                                                    "union) are one; 1 or more: none merged")
        max_boxes: int = Field(100, ge=1, le=10000)
        classes: str = Field("", description="only these labels, separated by commas (empty: all)")

    def cache_salt(self, ctx, inputs, config):
        return model_salt(ctx, inputs, config)

    async def run(self, ctx, inputs, config):
        from ...models.decode import detections

        classes = [c.strip() for c in config.classes.split(",") if c.strip()]
        boxes = await infer(ctx, inputs, config, need_image(inputs), "detect",
                            lambda card, outputs, fit: detections(card, outputs, fit, min_score=config.min_score,
                                                                  iou=config.iou, max_boxes=config.max_boxes,
                                                                  classes=classes))
        return {"boxes": boxes, "count": len(boxes)}
