"""Desktop integration (issue 16): the shipped .desktop and AppStream files validate, `make install-desktop`
puts them (and the icons) where the launcher finds them, and the app names itself by the same id."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ID = "io.github.nodeloom.Nodeloom"
DESKTOP, METAINFO = ROOT / "packaging" / f"{ID}.desktop", ROOT / "packaging" / f"{ID}.metainfo.xml"


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:  # `make test` installs it (Debian: desktop-file-utils, appstream) when it runs as root
        pytest.skip(f"{name} is not installed")
    return found


def test_the_shipped_desktop_entry_and_metainfo_validate():
    done = subprocess.run([_tool("desktop-file-validate"), str(DESKTOP)], capture_output=True, text=True)
    assert done.returncode == 0 and not done.stdout.strip(), done.stdout
    done = subprocess.run([_tool("appstreamcli"), "validate", "--no-net", str(METAINFO)], capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    entry = DESKTOP.read_text()
    assert "StartupWMClass=Nodeloom\n" in entry and f"Icon={ID}\n" in entry
    assert f"<launchable type=\"desktop-id\">{ID}.desktop</launchable>" in METAINFO.read_text()


def test_install_desktop_puts_the_entry_metainfo_and_icons_in_the_users_data_folder(tmp_path):
    data = tmp_path / "share"
    done = subprocess.run(["sh", "tools/install-desktop.sh"], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "XDG_DATA_HOME": str(data)})
    assert done.returncode == 0, done.stderr
    entry = data / "applications" / f"{ID}.desktop"
    exec_line = next(line for line in entry.read_text().splitlines() if line.startswith("Exec="))
    assert exec_line == f'Exec="{ROOT / ".venv" / "bin" / "nodeloom"}"'
    assert (data / "metainfo" / f"{ID}.metainfo.xml").is_file()
    assert (data / "icons/hicolor/scalable/apps" / f"{ID}.svg").is_file()
    assert {p.parent.parent.name for p in data.glob(f"icons/hicolor/*/apps/{ID}.png")} >= {"16x16", "48x48",
                                                                                         "256x256"}
    if shutil.which("desktop-file-validate"):
        assert subprocess.run(["desktop-file-validate", str(entry)]).returncode == 0


def test_the_window_names_itself_by_the_desktop_id_and_has_its_icon(window):
    from PySide6.QtGui import QGuiApplication

    assert QGuiApplication.desktopFileName() == ID
    assert not window.windowIcon().isNull()


def test_the_gui_script_opens_the_window_and_closes_it_cleanly(tmp_path):
    """`nodeloom-gui` ([project.gui-scripts]; without a console on Windows, which is not tested here) is the
    window alone, on the data folder --home names."""
    import sys

    from .window_process import open_and_close

    script = Path(sys.executable).parent / "nodeloom-gui"
    assert script.is_file(), "pip install -e . makes it (make test does)"
    open_and_close([str(script), "--home", str(tmp_path)], tmp_path, {"NODELOOM_HOME": ""})
