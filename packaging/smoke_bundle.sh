#!/usr/bin/env bash
# Smoke test of a built bundle, run with an empty environment and no Python on PATH (PATH points
# nowhere; the bundle needs none): its version is pyproject.toml's; it lists the bundled models;
# it generates the same text as the studio's own command for a fixed seed; it draws a digit and
# trains a tiny model (torch's optimizer and compiler paths, which the recipe's excludes must not
# cut); its window opens offscreen; and its window generates through the engine process the frozen
# app starts as `<the app> --engine-server`, the same text again.
# Usage: packaging/smoke_bundle.sh BUNDLE_DIR   (the reference command: $REFERENCE, by default
# `python3 -m studio` from this checkout)
set -euo pipefail
bundle="$(realpath "$1")"
repo="$(cd "$(dirname "$0")/.." && pwd)"
home="$(mktemp -d)"
trap 'rm -rf "$home"' EXIT
app() {  # the bundle, in an empty environment: nothing of this machine's Python can help it
  env -i HOME="$home" AIGC_STUDIO_HOME="$home" PATH=/nonexistent QT_QPA_PLATFORM=offscreen "$@" \
    "$bundle/aigc-studio" "${args[@]}"
}
step() { printf '%-9s %s\n' "$1" "$2"; }
SECONDS=0

# what the recipe leaves out stayed out (CUDA, torch's tests and headers, Qt's other modules, GTK)
internal="$bundle/_internal"
for gone in torch/test torch/include torch/lib/libtorch_cuda.so torch/_inductor/codegen transformers \
  PySide6/QtNetwork.abi3.so PySide6/QtQml.abi3.so PySide6/Qt/plugins/platformthemes/libqgtk3.so libgtk-3.so.0; do
  [ ! -e "$internal/$gone" ] || { echo "lean: $gone is in the bundle" >&2; exit 1; }
done
step lean "no CUDA, torch tests or headers, Qt beyond Core/Gui/Widgets/OpenGL, GTK; torch $(du -sh "$internal/torch" | cut -f1), Qt $(du -sh "$internal/PySide6" | cut -f1)"

version="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$repo/pyproject.toml" | head -n 1)"
args=(--version)
got="$(app)"
[ "$got" = "aigc-studio $version" ] || { echo "version: the bundle says '$got', pyproject.toml $version" >&2; exit 1; }
step version "$got (pyproject.toml: $version)"

args=(models)
models="$(app)"
for name in digits emoji shakespeare tang-poems translate-en-zh; do
  grep -qF "$bundle/_internal/models/$name.safetensors" <<<"$models" || {
    echo "models: $name is not in the bundle:" >&2
    echo "$models" >&2
    exit 1
  }
done
step models "digits, emoji, shakespeare, tang-poems, translate-en-zh, from $bundle/_internal/models"

args=(generate --model shakespeare --seed 1 --max-new-tokens 40 --threads 1)
app > "$home/bundle.txt" 2> "$home/bundle.err"
(cd "$home" && env PYTHONPATH="$repo" AIGC_STUDIO_HOME="$home/reference" ${REFERENCE:-python3 -m studio} "${args[@]}") \
  > "$home/reference.txt" 2> /dev/null
cmp -s "$home/bundle.txt" "$home/reference.txt" || {
  echo "generate: the bundle's text differs from the studio's own command's:" >&2
  diff "$home/bundle.txt" "$home/reference.txt" >&2
  exit 1
}
step generate "same text as the command ($(tr '\n' ' ' < "$home/bundle.txt" | cut -c1-40)…); $(tail -n 1 "$home/bundle.err")"

args=(generate --model digits --seed 1 --output "$home/digit.png")
app > /dev/null 2> "$home/digits.err"
[ "$(head -c 4 "$home/digit.png" | od -An -c | tr -d ' ')" = "211PNG" ] || { echo "digits: no PNG written" >&2; exit 1; }
step image "$(tail -n 1 "$home/digits.err")"

head -c 6000 "$repo/README.md" > "$home/corpus.txt"
args=(train text --corpus "$home/corpus.txt" --out "$home/tiny.safetensors" --preset tiny --max-steps 3 --eval-interval 2)
app > "$home/train.txt" 2>&1
grep -q "^done: " "$home/train.txt" || { cat "$home/train.txt" >&2; exit 1; }
step train "$(grep '^done: ' "$home/train.txt" | sed "s|$home/||")"

args=()
shown="$(app AIGC_STUDIO_EXIT_WHEN_SHOWN=1 2> /dev/null)"
case "$shown" in "shown "*" torch=False") ;; *) echo "window: $shown" >&2; exit 1 ;; esac
step window "$shown"

app AIGC_STUDIO_WINDOW_CHECK=40 AIGC_STUDIO_WINDOW_CHECK_SEED=1 > "$home/window.txt" 2> "$home/window.err" || {
  cat "$home/window.err" >&2
  exit 1
}
report="$(grep '^window: ' "$home/window.err")"
grep -qF -- "through the engine process $bundle/aigc-studio --engine-server" <<<"$report" || {
  echo "window run: not through the frozen app's engine process: $report" >&2
  exit 1
}
cmp -s "$home/window.txt" "$home/reference.txt" || {
  echo "window run: its text differs from the command's:" >&2
  diff "$home/window.txt" "$home/reference.txt" >&2
  exit 1
}
step "window run" "${report#window: }; same text as the command"
about="$(grep '^about: ' "$home/window.err")"
[ "$about" = "about: AIGC Studio $version" ] || { echo "Help > About: $about, pyproject.toml $version" >&2; exit 1; }
step about "Help > About says ${about#about: }"
echo "bundle ok: $bundle ($(du -sh "$bundle" | cut -f1)), checked in $SECONDS s"
