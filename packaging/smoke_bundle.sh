#!/usr/bin/env bash
# Smoke test of a built bundle: it generates the same text as the installed command for a fixed seed,
# and its window opens (offscreen). Usage: packaging/smoke_bundle.sh BUNDLE_DIR
set -euo pipefail
bundle="$(realpath "$1")"
export AIGC_STUDIO_HOME="$(mktemp -d)"
args=(generate --model shakespeare --seed 1 --max-new-tokens 40 --threads 1)
env -i HOME="$HOME" AIGC_STUDIO_HOME="$AIGC_STUDIO_HOME" PATH=/usr/bin:/bin "$bundle/aigc-studio" "${args[@]}" > "$AIGC_STUDIO_HOME/bundle.txt"
aigc-studio "${args[@]}" > "$AIGC_STUDIO_HOME/installed.txt"
# the summary line's speed differs; the text must not
if diff <(head -n -1 "$AIGC_STUDIO_HOME/bundle.txt") <(head -n -1 "$AIGC_STUDIO_HOME/installed.txt"); then
  echo "generate: same text as the installed command"
else
  echo "generate: the bundle's text differs from the installed command's" >&2
  exit 1
fi
shown=$(env -i HOME="$HOME" AIGC_STUDIO_HOME="$AIGC_STUDIO_HOME" PATH=/usr/bin:/bin QT_QPA_PLATFORM=offscreen AIGC_STUDIO_EXIT_WHEN_SHOWN=1 "$bundle/aigc-studio")
echo "window: $shown"
case "$shown" in shown*) ;; *) exit 1 ;; esac
