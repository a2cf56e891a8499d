#!/bin/sh
# `make install-desktop`: Nodeloom in the desktop's launcher, for this user — the .desktop file (its Exec pointing
# at this checkout's nodeloom), the AppStream metainfo and the icons under ${XDG_DATA_HOME:-~/.local/share}.
set -eu
ID=io.github.nodeloom.Nodeloom
BIN=$(cd "$(dirname "$0")/.." && pwd)/${VENV:-.venv}/bin/nodeloom
DATA=${XDG_DATA_HOME:-$HOME/.local/share}
[ -x "$BIN" ] || { echo "install-desktop: $BIN is missing (make run installs it)" >&2; exit 1; }
mkdir -p "$DATA/applications" "$DATA/metainfo" "$DATA/icons/hicolor/scalable/apps"
sed "s|^Exec=nodeloom$|Exec=\"$BIN\"|" packaging/$ID.desktop > "$DATA/applications/$ID.desktop"
cp packaging/$ID.metainfo.xml "$DATA/metainfo/$ID.metainfo.xml"
cp resources/icons/nodeloom.svg "$DATA/icons/hicolor/scalable/apps/$ID.svg"
for png in resources/icons/hicolor/*/apps/nodeloom.png; do
    size=$(basename "$(dirname "$(dirname "$png")")")
    mkdir -p "$DATA/icons/hicolor/$size/apps"
    cp "$png" "$DATA/icons/hicolor/$size/apps/$ID.png"
done
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$DATA/applications" || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$DATA/icons/hicolor" || true
echo "installed $ID in $DATA (applications, metainfo, icons): Nodeloom is in your launcher"
