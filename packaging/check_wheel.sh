#!/usr/bin/env bash
# Build the wheel, install it into a fresh virtual environment outside the repository, and check that
# the installed studio finds its bundled models and generates. Usage: packaging/check_wheel.sh [WORKDIR]
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-$(mktemp -d)}"
mkdir -p "$work"
python3 -m pip wheel --quiet --no-deps "$repo" -w "$work/dist"
python3 -m venv "$work/venv"
. "$work/venv/bin/activate"
python -m pip install --quiet --upgrade pip
python -m pip install --quiet torch==2.13.0
python -m pip install --quiet "$work"/dist/aigc_studio-*.whl
cd "$work"  # nothing of the repository on the path
export AIGC_STUDIO_HOME="$work/home"
aigc-studio --version
aigc-studio models --json | python -c '
import json, sys
names = sorted(m["name"] for m in json.load(sys.stdin))
assert names == ["digits", "emoji", "shakespeare", "tang-poems", "translate-en-zh"], names
print("bundled models:", ", ".join(names))'
aigc-studio generate --model shakespeare --seed 1 --max-new-tokens 20 > "$work/cli.txt"
cat "$work/cli.txt"
# the window, offscreen, with the installed package: it lists the bundled models, loads one and
# generates through its engine process the same text as the command
QT_QPA_PLATFORM=offscreen AIGC_STUDIO_WINDOW_CHECK=20 python -c 'import sys
sys.path.insert(0, sys.argv[1])
from window_check import main
raise SystemExit(main())' "$repo/packaging" > "$work/window.txt"
if diff -q "$work/cli.txt" "$work/window.txt" >/dev/null; then
  echo "window: the same text as the command, through the installed wheel"
else
  echo "window: its text differs from the command's" >&2
  diff "$work/cli.txt" "$work/window.txt" >&2 || true
  exit 1
fi
echo "wheel ok: $(ls "$work"/dist/aigc_studio-*.whl) ($(du -h "$work"/dist/aigc_studio-*.whl | cut -f1))"
