"""The model library and ONNX Runtime behind the model blocks (SPEC §4, "Models"; the extra ``nodeloom[inference]``).

:mod:`.library` keeps the models (a folder and a card each) and imports nothing optional; :mod:`.runtime` holds
the sessions; :mod:`.inspect` reads a model's shapes; :mod:`.prepare` and :mod:`.decode` (numpy) feed a model and
read its answer; :mod:`.infer` is what a model block calls."""

from .library import DECODINGS, TASKS, ModelCard, ModelLibrary, file_sha256
from .runtime import INSTALL_HINT, unavailable

__all__ = ["ModelCard", "ModelLibrary", "TASKS", "DECODINGS", "file_sha256", "unavailable", "INSTALL_HINT"]
