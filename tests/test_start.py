"""Starting the window on a machine that cannot show it (issue "The screen never lies", item 1): a missing system
library Qt needs is named with the package to install, instead of Qt's "Could not load the Qt platform plugin"
and an abort; no display is said as such, whatever QT_QPA_PLATFORM asks for."""

import ctypes
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli.syslibs import BASE_LIBRARIES, XCB_LIBRARIES, missing_libraries, window_blocker

ROOT = Path(__file__).resolve().parents[1]
ABSENT = "libnodeloom-absent.so.7"  # a soname no machine has


def test_a_library_the_loader_cannot_find_is_named_with_its_package():
    libraries = {"libc.so.6": "libc6", ABSENT: "nodeloom-absent7"}
    assert missing_libraries(libraries, ctypes.CDLL) == {ABSENT: "nodeloom-absent7"}
    assert missing_libraries({"libc.so.6": "libc6"}, ctypes.CDLL) == {}


def refuse(*sonames):
    """A loader that finds every library but ``sonames`` (this machine has them all, or not: the test decides)."""
    def load(name):
        if name in sonames:
            raise OSError(f"{name}: cannot open shared object file: No such file or directory")
    return load


def test_the_xcb_window_without_its_libraries_says_which_packages_to_install():
    env = {"DISPLAY": ":0"}
    said = window_blocker(env, refuse("libxcb-cursor.so.0", "libxkbcommon-x11.so.0"), platform="linux")
    assert said is not None
    assert "libxcb-cursor.so.0" in said and "libxkbcommon-x11.so.0" in said
    [install] = [line for line in said.splitlines() if "sudo apt-get install" in line]
    assert install.split("sudo apt-get install ")[1].split() in (["libxcb-cursor0", "libxkbcommon-x11-0"],
                                                                 ["libxkbcommon-x11-0", "libxcb-cursor0"])
    assert "sh tools/sysdeps.sh gui" in said
    assert "Reinstalling" not in said
    assert window_blocker(env, refuse(), platform="linux") is None


def test_the_libraries_every_platform_needs_are_checked_offscreen_too_and_xcb_ones_only_for_xcb():
    offscreen = {"QT_QPA_PLATFORM": "offscreen"}
    assert window_blocker(offscreen, refuse("libxcb-icccm.so.4"), platform="linux") is None
    said = window_blocker(offscreen, refuse("libEGL.so.1"), platform="linux")
    assert said is not None and "libegl1" in said and "libEGL.so.1" in said
    xcb = {"QT_QPA_PLATFORM": "xcb", "DISPLAY": ":0"}
    assert "libxcb-icccm4" in window_blocker(xcb, refuse("libxcb-icccm.so.4"), platform="linux")
    wayland = {"QT_QPA_PLATFORM": "wayland", "WAYLAND_DISPLAY": "wayland-0"}
    assert window_blocker(wayland, refuse("libxcb-icccm.so.4"), platform="linux") is None
    assert window_blocker({"DISPLAY": ":0"}, refuse("libxcb-icccm.so.4"), platform="win32") is None


def test_no_display_is_said_whatever_platform_is_asked_for():
    for env in ({}, {"QT_QPA_PLATFORM": "xcb"}, {"QT_QPA_PLATFORM": "wayland", "DISPLAY": ":0"}):
        said = window_blocker(env, refuse(), platform="linux")
        assert said is not None and "no display" in said, env
    assert window_blocker({"QT_QPA_PLATFORM": "offscreen"}, refuse(), platform="linux") is None
    assert window_blocker({"QT_QPA_PLATFORM": "wayland;xcb", "DISPLAY": ":0"}, refuse(), platform="linux") is None


def test_every_package_the_window_names_is_one_tools_sysdeps_installs():
    script = (ROOT / "tools" / "sysdeps.sh").read_text()
    listed = set(re.findall(r"\blib[a-z0-9.+-]+\d\b", script))
    named = set(BASE_LIBRARIES.values()) | set(XCB_LIBRARIES.values())
    assert named <= listed, named - listed


def test_nodeloom_on_xcb_without_a_display_says_so_instead_of_aborting(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["QT_QPA_PLATFORM"] = "xcb"
    proc = subprocess.run([sys.executable, "-m", "app.cli", "--home", str(tmp_path)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "no display" in proc.stderr and "Could not load the Qt platform plugin" not in proc.stderr


def real_path(soname):
    """Where this machine loads ``soname`` from (None: it does not have it)."""
    try:
        ctypes.CDLL(soname)
    except OSError:
        return None
    for line in Path("/proc/self/maps").read_text().splitlines():
        if line.endswith("/" + soname) or f"/{soname}." in line:
            return os.path.realpath(line.split()[-1])
    return None


@pytest.mark.skipif(not sys.platform.startswith("linux") or not shutil.which("unshare"), reason="Linux, unshare")
def test_nodeloom_on_a_display_without_a_library_of_qts_xcb_plugin_names_its_package(tmp_path):
    """The library really is gone for the started process: a private mount namespace covers it with an empty
    file (the machine itself is not touched)."""
    env = {**os.environ, "DISPLAY": ":0", "QT_QPA_PLATFORM": "xcb"}
    path = real_path("libxcb-icccm.so.4")
    hide = f"mount --bind /dev/null {shlex.quote(path)} && " if path else ""
    command = ["unshare", "--map-root-user", "--mount", "sh", "-c",
               f"{hide}exec {shlex.quote(sys.executable)} -m app.cli --home {shlex.quote(str(tmp_path))}"]
    probe = subprocess.run(["unshare", "--map-root-user", "--mount", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"no private mount namespace here: {probe.stderr.decode().strip()}")
    proc = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "libxcb-icccm.so.4" in proc.stderr and "sudo apt-get install libxcb-icccm4" in proc.stderr
    assert "Could not load the Qt platform plugin" not in proc.stderr


def test_in_the_bundle_a_library_it_ships_beside_qt_counts_as_there(tmp_path, monkeypatch):
    """PyInstaller puts some of these libraries in the bundle's folder (sys._MEIPASS), where Qt finds them."""
    shutil.copy(real_path("libz.so.1"), tmp_path / "libnodeloom-bundled.so.3")
    libraries = {"libnodeloom-bundled.so.3": "nodeloom-bundled3"}
    assert missing_libraries(libraries) == libraries  # not a bundle: only the system's libraries count
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert missing_libraries(libraries) == {}
    assert missing_libraries({ABSENT: "nodeloom-absent7"}) == {ABSENT: "nodeloom-absent7"}
