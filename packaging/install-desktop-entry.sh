#!/usr/bin/env bash
# Put AIGC Studio in the desktop's application menu (per user): the desktop entry, pointing at this
# unpacked bundle, and the icon in every size the bundle carries.
# Usage: install-desktop-entry.sh [BUNDLE_DIR]     (default: the folder this script is in)
#        install-desktop-entry.sh --remove          (take the entry and the icons away again)
set -euo pipefail
data="${XDG_DATA_HOME:-$HOME/.local/share}"
apps="$data/applications"
icons="$data/icons/hicolor"
sizes=(16 24 32 48 64 128 256 512)
if [ "${1:-}" = "--remove" ]; then
  rm -f "$apps/aigc-studio.desktop"
  for n in "${sizes[@]}"; do rm -f "$icons/${n}x${n}/apps/aigc-studio.png"; done
  echo "removed: $apps/aigc-studio.desktop"
  exit 0
fi
dir="$(realpath "${1:-$(dirname "$0")}")"
[ -x "$dir/aigc-studio" ] || { echo "install-desktop-entry: no aigc-studio program in $dir" >&2; exit 2; }
mkdir -p "$apps"
for n in "${sizes[@]}"; do
  png="$dir/_internal/resources/icons/aigc-studio-$n.png"
  [ -f "$png" ] || continue
  mkdir -p "$icons/${n}x${n}/apps"
  cp "$png" "$icons/${n}x${n}/apps/aigc-studio.png"
done
if [ ! -f "$icons/256x256/apps/aigc-studio.png" ]; then
  mkdir -p "$icons/256x256/apps"
  cp "$dir/aigc-studio.png" "$icons/256x256/apps/aigc-studio.png"
fi
# the program by its full path; no %F: the studio opens a model with --model, not a bare file name
sed -e "s|^Exec=aigc-studio.*|Exec=\"$dir/aigc-studio\"|" -e "s|^TryExec=.*||" \
  "$dir/aigc-studio.desktop" > "$apps/aigc-studio.desktop"
command -v update-desktop-database >/dev/null && update-desktop-database -q "$apps" 2>/dev/null || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$icons" 2>/dev/null || true
echo "installed: $apps/aigc-studio.desktop (Exec=\"$dir/aigc-studio\")"
