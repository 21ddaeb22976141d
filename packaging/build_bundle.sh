#!/usr/bin/env bash
# Build the standalone Linux bundle: a folder that runs without Python (PyInstaller, one folder), packed
# as aigc-studio-<version>-linux-<arch>.tar.gz with the desktop entry, the icon and the desktop-entry
# installer beside the program.
# Usage: packaging/build_bundle.sh [OUT_DIR]   (default dist/)
# Needs Python 3.11+ with PyInstaller and the studio's dependencies, the CPU build of torch first
# (a CUDA build would put gigabytes of CUDA libraries in the bundle):
#   pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
#   pip install pyinstaller PySide6-Essentials numpy pillow platformdirs safetensors tokenizers
# The studio itself need not be installed: it is taken from this checkout.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
out="$(realpath -m "${1:-$repo/dist}")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
version="$(python -c 'import tomllib,sys; print(tomllib.load(open(sys.argv[1],"rb"))["project"]["version"])' "$repo/pyproject.toml")"
python - <<'EOF'
import sys
import torch
if torch.version.cuda or torch.version.hip:
    sys.exit(f"build_bundle: torch {torch.__version__} is a GPU build; install the CPU build first")
EOF
# the checkout's studio, whatever else is installed
PYTHONPATH="$repo${PYTHONPATH:+:$PYTHONPATH}" pyinstaller --noconfirm --log-level WARN \
  --distpath "$work/dist" --workpath "$work/build" "$repo/packaging/aigc-studio.spec"
bundle="$work/dist/aigc-studio"
# symbol tables out of torch's libraries and Python's (libtorch_cpu.so: 434 -> 345 MB, 110 MB in
# all). Not the others: the wheels' repaired libraries (numpy.libs, pillow.libs...) no longer load
# once stripped, and the program itself carries its archive appended
strip --strip-unneeded "$bundle"/_internal/torch/lib/*.so* "$bundle"/_internal/libpython*.so*
cp "$repo/resources/aigc-studio.desktop" "$bundle/"
cp "$repo/resources/icons/aigc-studio-256.png" "$bundle/aigc-studio.png"
cp "$repo/packaging/install-desktop-entry.sh" "$bundle/"
mkdir -p "$out"
tarball="$out/aigc-studio-$version-linux-$(uname -m).tar.gz"
tar -C "$work/dist" -czf "$tarball" aigc-studio
rm -rf "$out/aigc-studio" && mv "$bundle" "$out/aigc-studio"
echo "bundle: $out/aigc-studio ($(du -sh "$out/aigc-studio" | cut -f1)); packed: $tarball ($(du -h "$tarball" | cut -f1)); built in $(($(date +%s) - start)) s"
