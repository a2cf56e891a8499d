from __future__ import annotations

from pydantic import Field

from ..base import Block, BlockConfig, Port
from ..image._common import need_image
from ._common import infer, model_salt


class ModelClassifyBlock(Block):
    """Name what a picture shows with a classifier of the model library: the best label, its score and the top k."""

    type = "model_classify"
    category = "vision"
    requires = ("onnxruntime",)
    cache_stands_for = ("model",)  # (the cache salt is the model file's SHA-256: a renamed model is the same)
    portable = True  # (on a cluster's worker: with the library at the same path, each worker loads a model once)
    keywords = ("classifier", "onnx", "model", "label", "recognise", "recognize", "ai", "inference")
    inputs = (Port("image", "image"), Port("model", "string", required=False))
    outputs = (Port("label", "string"), Port("score", "number"), Port("top", "list"))

    class Config(BlockConfig):
        model: str = Field("", description="a model of the library (Models ▸ Import…, nodeloom models list)",
                           json_schema_extra={"format": "model", "task": "classify"})
        top_k: int = Field(5, ge=1, le=1000)

    def cache_salt(self, ctx, inputs, config):
        return model_salt(ctx, inputs, config)

    async def run(self, ctx, inputs, config):
        from ...models.decode import top_k

        top = await infer(ctx, inputs, config, need_image(inputs), "classify",
                          lambda card, outputs, _: top_k(card, outputs, config.top_k))
        return {"label": top[0]["label"], "score": top[0]["score"], "top": top}
