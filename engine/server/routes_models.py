"""The model library: ``GET /api/v1/models`` — the models ``nodeloom models list --json`` prints (SPEC §4,
"Models"), read from the data folder's ``models/``."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from ..models import ModelLibrary
from .errors import answers

__all__ = ["model_routes", "ModelInfo", "ModelList"]


class ModelInfo(BaseModel):
    name: str
    task: str = Field(description="classify, detect or segment")
    decoding: str = Field(description="softmax, yolo, ssd or mask")
    sha256: str = Field(description="the model file's SHA-256: its identity in the result cache")
    input_name: str
    width: int
    height: int
    layout: str = Field(description="NCHW or NHWC")
    resize: str = Field(description="stretch or letterbox")
    scale: float
    mean: list[float]
    std: list[float]
    labels: list[str]
    batch_dynamic: bool
    objectness: bool
    box_format: str


class ModelList(BaseModel):
    folder: str = Field(description="the model library's folder")
    models: list[ModelInfo]


def model_routes(service) -> APIRouter:
    r = APIRouter(tags=["models"])
    library = ModelLibrary(service.store.home / "models")

    @r.get("/api/v1/models", operation_id="listModels", response_model=ModelList, responses=answers())
    async def list_models():
        """The models of the data folder's library, with their cards (model blocks name them in ``model``)."""
        cards = await service.run_blocking(library.list)
        return {"folder": str(library.folder), "models": [c.to_json() for c in cards]}

    return r
