#!/usr/bin/env bash
# Put AIGC Studio in the desktop's application menu (per user): the desktop entry and the icon.
# Run from the unpacked bundle folder, or give the folder: install-desktop-entry.sh [BUNDLE_DIR]
set -euo pipefail
dir="$(realpath "${1:-$(dirname "$0")}")"
apps="${XDG_DATA_HOME:-$HOME/.local/share}/applications"
icons="${XDG_DATA_HOME:-$HOME/.local/share}/icons/hicolor/256x256/apps"
mkdir -p "$apps" "$icons"
cp "$dir/aigc-studio.png" "$icons/aigc-studio.png"
sed "s|^Exec=aigc-studio|Exec=$dir/aigc-studio|" "$dir/aigc-studio.desktop" > "$apps/aigc-studio.desktop"
echo "installed: $apps/aigc-studio.desktop"
