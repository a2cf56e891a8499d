from __future__ import annotations

from pydantic import Field

from ..base import Block, BlockConfig, Port
from ..image._common import need_image
from ._common import infer, model_salt


class ModelSegmentBlock(Block):
    """Label every pixel with a segmentation model of the library: a mask the picture's size (pixel value = class
    index) and the classes found with their pixel counts."""

    type = "model_segment"
    category = "vision"
    requires = ("onnxruntime",)
    cache_stands_for = ("model",)  # (the cache salt is the model file's SHA-256: a renamed model is the same)
    portable = True  # (on a cluster's worker: with the library at the same path, each worker loads a model once)
    keywords = ("segmentation", "mask", "onnx", "background", "ai", "inference")
    inputs = (Port("image", "image"), Port("model", "string", required=False))
    outputs = (Port("mask", "image"), Port("labels", "list"))

    class Config(BlockConfig):
        model: str = Field("", description="a model of the library (Models ▸ Import…, nodeloom models list)",
                           json_schema_extra={"format": "model", "task": "segment"})
        min_score: float = Field(0.5, ge=0, description="a one-map model: pixels at or above are the object")

    def cache_salt(self, ctx, inputs, config):
        return model_salt(ctx, inputs, config)

    async def run(self, ctx, inputs, config):
        from ...models.decode import mask_image

        mask, labels = await infer(ctx, inputs, config, need_image(inputs), "segment",
                                   lambda card, outputs, fit: mask_image(card, outputs, fit, config.min_score))
        return {"mask": mask, "labels": labels}
