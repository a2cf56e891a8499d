#!/bin/sh
# The user guide's screenshots (docs/guide/*.png), taken by tests/test_guide*.py as they perform each chapter in
# the real window: sh tools/guide_shots.sh
set -eu
cd "$(dirname "$0")/.."
mkdir -p docs/guide
NODELOOM_GUIDE_SHOTS=docs/guide QT_QPA_PLATFORM=offscreen .venv/bin/python -m pytest -q -p no:xdist \
    tests/test_guide.py tests/test_guide_tidy.py tests/test_guide_live.py tests/test_guide_models.py -k chapter_
