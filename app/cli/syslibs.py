"""Can the window open here? Asked before Qt is loaded (it imports no Qt): on Linux, Qt's GUI libraries and its X11
(xcb) platform plugin need system libraries a bare machine may lack — without them Qt says only "Could not load
the Qt platform plugin" and aborts, or PySide6 fails to import. ``window_blocker()`` names the missing libraries
with the Debian/Ubuntu packages that hold them (the same ones ``tools/sysdeps.sh gui`` installs), or says there
is no display; ``None`` when the window can open.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable, Mapping

__all__ = ["BASE_LIBRARIES", "XCB_LIBRARIES", "load", "missing_libraries", "window_blocker"]

#: what QtGui and QtWidgets load on any platform (offscreen too): soname → Debian/Ubuntu package
BASE_LIBRARIES = {
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libX11.so.6": "libx11-6",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libdbus-1.so.3": "libdbus-1-3",
}

#: what Qt's xcb platform plugin (libqxcb.so and libQt6XcbQpa) loads besides those
XCB_LIBRARIES = {
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
}

Loader = Callable[[str], object]


def load(soname: str) -> object:
    """Load ``soname`` as Qt would find it: from the system's library path, or — in the PyInstaller bundle, which
    ships some of these libraries beside Qt — from the bundle's folder."""
    try:
        return ctypes.CDLL(soname)
    except OSError:
        bundled = os.path.join(getattr(sys, "_MEIPASS", ""), soname)
        if getattr(sys, "frozen", False) and os.path.isfile(bundled):
            return ctypes.CDLL(bundled)
        raise


def missing_libraries(libraries: Mapping[str, str], load: Loader = load) -> dict[str, str]:
    """The sonames of ``libraries`` that ``load`` cannot load (it raises OSError), with their packages."""
    missing = {}
    for soname, package in libraries.items():
        try:
            load(soname)
        except OSError:
            missing[soname] = package
    return missing


def _platforms(environ: Mapping[str, str]) -> list[str]:
    """The Qt platform plugins Qt will try, in order (QT_QPA_PLATFORM may list fallbacks: "wayland;xcb")."""
    asked = environ.get("QT_QPA_PLATFORM", "").strip()
    if asked:
        return [p.split(":", 1)[0].strip() for p in asked.split(";") if p.strip()]
    wayland = environ.get("XDG_SESSION_TYPE") == "wayland" or (environ.get("WAYLAND_DISPLAY")
                                                                 and not environ.get("DISPLAY"))
    return ["wayland", "xcb"] if wayland else ["xcb"]


def window_blocker(environ: Mapping[str, str] | None = None, load: Loader = load, *,
                   platform: str | None = None) -> str | None:
    """Why the window cannot open here (a message for the terminal), or None. Only Linux is checked."""
    environ = os.environ if environ is None else environ
    if not (platform or sys.platform).startswith("linux"):
        return None
    usable = []
    for name in _platforms(environ):
        if name == "xcb" and not environ.get("DISPLAY"):
            continue
        if name.startswith("wayland") and not environ.get("WAYLAND_DISPLAY"):
            continue
        usable.append(name)
    if not usable:
        unset = " or ".join(dict.fromkeys("WAYLAND_DISPLAY" if p.startswith("wayland") else "DISPLAY"
                                          for p in _platforms(environ)))
        return (f"nodeloom: no display to open the window on ({unset} is not set). Use the command line "
                "(nodeloom run FILE) or set QT_QPA_PLATFORM=offscreen.")
    libraries = dict(BASE_LIBRARIES)
    if usable[0] == "xcb":
        libraries.update(XCB_LIBRARIES)
    missing = missing_libraries(libraries, load)
    if not missing:
        return None
    packages = " ".join(dict.fromkeys(missing.values()))
    return (f"nodeloom: the window needs system libraries this machine lacks: {', '.join(missing)}.\n"
            f"Install them (Debian/Ubuntu): sudo apt-get install {packages}\n"
            "(in a source checkout, `sh tools/sysdeps.sh gui` does it). The command line works without them "
            "(nodeloom run FILE).")
