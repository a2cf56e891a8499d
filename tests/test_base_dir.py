"""A run's base folder (relative paths of its nodes lead there) is resolved once per folder, not per run (issue
28: ``realpath`` was ~7 % of draining the queue), and still resolved as before: symlinks followed, a relative
folder taken from the current one at the time."""

import asyncio
import os

from engine.executor import Executor

from .builder import Flow


def _base(ex, base_dir):
    async def go():
        execution = ex.start(Flow().node("c", "constant", value=1).build(), base_dir=base_dir)
        await execution
        return execution._state.base_dir

    return asyncio.run(go())


def test_a_runs_base_folder_is_resolved_once_per_folder(tmp_path, monkeypatch):
    real = tmp_path / "real"
    (real / "sub").mkdir(parents=True)
    (tmp_path / "link").symlink_to(real)
    ex = Executor()
    assert _base(ex, tmp_path / "link") == real
    calls = []
    realpath = os.path.realpath
    monkeypatch.setattr(os.path, "realpath", lambda *a, **kw: calls.append(a) or realpath(*a, **kw))
    assert _base(ex, tmp_path / "link") == real and _base(ex, str(tmp_path / "link")) == real
    assert calls == []
    monkeypatch.chdir(real)
    assert _base(ex, "sub") == real / "sub" and _base(ex, None) == real
    monkeypatch.chdir(tmp_path)
    assert _base(ex, None) == tmp_path and _base(ex, "real/sub") == real / "sub"
    ex.close()
