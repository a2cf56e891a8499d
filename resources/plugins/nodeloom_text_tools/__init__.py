"""An example Nodeloom plugin: two text blocks.

Use it either way:

- copy this folder into the ``plugins`` folder of your Nodeloom data folder
  (``nodeloom blocks`` then lists ``text_words`` and ``text_case``), or
- ``pip install resources/plugins`` — the ``pyproject.toml`` beside this folder declares the
  ``nodeloom.blocks`` entry point.

A block is one class: ports, a pydantic ``Config`` (it becomes the inspector form), and ``async run``.
"""

from .case import TextCaseBlock
from .words import TextWordsBlock

__all__ = ["TextCaseBlock", "TextWordsBlock"]
