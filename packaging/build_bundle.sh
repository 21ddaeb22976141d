#!/usr/bin/env bash
# Build the standalone Linux bundle: a folder that runs without Python (PyInstaller, one folder), packed
# as aigc-studio-<version>-linux-<arch>.tar.gz with the desktop entry and icon beside the program.
# Usage: packaging/build_bundle.sh [OUT_DIR]   (default dist/; needs pyinstaller and the studio's
# dependencies in the active Python: `pip install pyinstaller torch==2.13.0 .`)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
out="$(realpath -m "${1:-$repo/dist}")"
work="$(mktemp -d)"
version="$(python -c 'import tomllib,sys; print(tomllib.load(open(sys.argv[1],"rb"))["project"]["version"])' "$repo/pyproject.toml")"
pyinstaller --noconfirm --log-level WARN --distpath "$work/dist" --workpath "$work/build" "$repo/packaging/aigc-studio.spec"
bundle="$work/dist/aigc-studio"
cp "$repo/resources/aigc-studio.desktop" "$bundle/"
cp "$repo/resources/icons/aigc-studio-256.png" "$bundle/aigc-studio.png"
cp "$repo/packaging/install-desktop-entry.sh" "$bundle/"
mkdir -p "$out"
tarball="$out/aigc-studio-$version-linux-$(uname -m).tar.gz"
tar -C "$work/dist" -czf "$tarball" aigc-studio
rm -rf "$out/aigc-studio" && mv "$bundle" "$out/aigc-studio"
rm -rf "$work"
echo "bundle: $out/aigc-studio ($(du -sh "$out/aigc-studio" | cut -f1)); packed: $tarball ($(du -h "$tarball" | cut -f1))"
