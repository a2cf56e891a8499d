#!/bin/sh
# Qt loads a few system libraries that a bare Debian/Ubuntu machine may lack. Check the Qt plugins we use with
# ldd; when something is missing, install the packages (as root, with apt-get) or say what to install.
#   tools/sysdeps.sh          offscreen (tests)
#   tools/sysdeps.sh gui      also the X11 (xcb) platform, for `make run` on a desktop
#   tools/sysdeps.sh desktop  the validators of the desktop files (desktop-file-validate, appstreamcli), as
#                             root with apt-get; never fails (without them their test is skipped)
set -u
if [ "${1:-}" = "desktop" ]; then
    command -v desktop-file-validate >/dev/null 2>&1 && command -v appstreamcli >/dev/null 2>&1 && exit 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "sysdeps: installing desktop-file-utils appstream (to validate packaging/)"
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq desktop-file-utils appstream \
            >/dev/null; } || echo "sysdeps: could not install them; their test is skipped" >&2
    fi
    exit 0
fi
VENV=${VENV:-.venv}
QT=$(ls -d "$VENV"/lib/python3*/site-packages/PySide6/Qt 2>/dev/null | head -n 1)
[ -n "$QT" ] || { echo "sysdeps: PySide6 is not installed in $VENV yet" >&2; exit 0; }

# (app/cli/syslibs.py names the same packages when the window cannot start: a test keeps the two in step)
BASE="libegl1 libgl1 libglib2.0-0 libfontconfig1 libfreetype6 libdbus-1-3 libxkbcommon0 libx11-6"
XCB="libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 libxcb-image0 \
libxcb-render-util0 libxcb-randr0 libxkbcommon-x11-0 libx11-xcb1 libxcb1 libxcb-render0 libxcb-shm0 libxcb-sync1 \
libxcb-util1 libxcb-xfixes0 libxcb-xkb1"

libs="$QT/lib/libQt6Widgets.so.6 $QT/plugins/platforms/libqoffscreen.so"
pkgs=$BASE
if [ "${1:-}" = "gui" ] && [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
    libs="$libs $QT/plugins/platforms/libqxcb.so"
    pkgs="$BASE $XCB"
fi
missing=$(for l in $libs; do ldd "$l" 2>/dev/null | awk '/not found/ {print $1}'; done | sort -u)
[ -z "$missing" ] && exit 0

echo "sysdeps: Qt needs libraries this machine lacks: $(echo $missing)"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "sysdeps: installing $pkgs"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $pkgs >/dev/null
    missing=$(for l in $libs; do ldd "$l" 2>/dev/null | awk '/not found/ {print $1}'; done | sort -u)
    [ -z "$missing" ] && { echo "sysdeps: done"; exit 0; }
    echo "sysdeps: still missing: $(echo $missing)" >&2
    exit 1
fi
echo "sysdeps: please install (Debian/Ubuntu): sudo apt-get install $pkgs" >&2
exit 1
