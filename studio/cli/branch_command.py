"""`aigc-studio generate --from run.json --at N --choose TOKEN`: a branch of an exported run.

The run's text up to generated token N (from 1), then TOKEN in its place (its text, which must be
one token of the model's; or --choose-id ID), and the run goes on from there with the run's own
settings and seed (engine/text/branching.py says which generator state). --from takes a run file or
a tree file (--node K picks the node whose text is branched; default the root). --output FILE.json
gets the tree with the new branch; .txt or .md the branch's whole text as one run.

An image run is branched at a pixel: --at ROW,COL --choose VALUE (cli/pixel_branch.py).
"""

from __future__ import annotations

import argparse
import sys
import threading

from studio.cli.interrupt import EXIT_INTERRUPTED, ctrl_c_cancels, stop_phrase


def add_branch_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--from",
        dest="from_run",
        metavar="RUN.json",
        help="branch an exported run (or tree): with --at and --choose",
    )
    p.add_argument(
        "--at",
        metavar="N|ROW,COL",
        help="with --from: the generated token, from 1; for an image run the pixel ROW,COL "
        "(from 0)",
    )
    p.add_argument(
        "--choose",
        metavar="TOKEN|VALUE",
        help="with --from: the token to put there; for an image run the pixel's value (a grey "
        "level 0-255, or a palette index)",
    )
    p.add_argument("--choose-id", type=int, metavar="ID", help="with --from: the token, by id")
    p.add_argument("--node", type=int, default=0, help="with a tree --from: the node to branch")
    p.add_argument(
        "--sample",
        type=int,
        default=0,
        metavar="I",
        help="with an image run of several samples: the one to branch (from 0)",
    )


def branch_command(args: argparse.Namespace) -> int:
    from studio.cli.stages_command import model_of
    from studio.core.errors import SettingsError
    from studio.io.run_tree import read_tree

    tree = read_tree(args.from_run)
    if args.at is None or (args.choose is None) == (args.choose_id is None):
        raise SettingsError("--from needs --at N and one of --choose TOKEN or --choose-id ID")
    if not 0 <= args.node < len(tree):
        raise SettingsError(f"--node {args.node}: the tree has nodes 0 to {len(tree) - 1}")
    if tree.kind == "image":
        from studio.cli.pixel_branch import image_branch_command

        return image_branch_command(args, tree)
    if args.output and not args.output.lower().endswith((".json", ".txt", ".md")):
        raise SettingsError(f"--output {args.output}: a branch is written to .json, .txt or .md")
    try:
        args.at = int(args.at)
    except ValueError:
        raise SettingsError(
            f"--at {args.at}: {args.from_run} is a text run; give --at N, the generated token "
            "to replace (from 1)"
        ) from None
    path = tree.path_trace(args.node)
    if not 1 <= args.at <= len(path) + 1:
        raise SettingsError(
            f"--at {args.at}: the run has {len(path)} generated token(s); choose 1 to {len(path) + 1}"
        )
    from pathlib import Path

    from studio.cli.outputs import OutputError

    if args.output and Path(args.output).exists() and not args.force:
        raise OutputError(f"--output {args.output} exists; add --force to overwrite it")
    from studio.engine.formats.model_finder import load_model
    from studio.engine.text.branching import Branch
    from studio.engine.text.generation import generate_text
    from studio.io.run import RunRecord
    from studio.settings import GenerationSettings

    node = tree.nodes[args.node].run
    loaded = load_model(model_of(node, args.model), device=args.device)
    fork = args.at - 1
    settings = GenerationSettings.from_dict({**node.settings, "num_samples": 1})
    branch = Branch(tuple(int(t["id"]) for t in path[:fork]), args.choose_id, args.choose)
    prefix = "".join(str(t["text"]) for t in path[:fork])
    out = sys.stdout
    run: dict = {"tokens": []}
    cancel = threading.Event()
    with ctrl_c_cancels(cancel):
        for ev in generate_text(loaded, node.prompt, settings, cancel=cancel, branch=branch):
            if ev.event == "token" and ev.sample == 0:
                run["tokens"].append(ev)
                out.write(ev.text)
                out.flush()
            elif ev.event == "start":
                out.write(node.prompt + prefix)
                run["start"] = ev
            elif ev.event == "done" and ev.sample == 0:
                run["done"] = ev
                out.write("\n")
                print(
                    f"[branch at token {args.at}: {run['tokens'][0].text!r} chosen by hand, "
                    f"model probability {run['tokens'][0].model_prob:.2%}; {ev.tokens} tokens, "
                    f"{stop_phrase(ev.stop_reason, settings.max_new_tokens)}]",
                    file=sys.stderr,
                )
            elif ev.event == "warning":
                print(f"warning: {ev.message}", file=sys.stderr)
    model = {"name": loaded.name, "title": loaded.card.get("title") or loaded.name}
    model["path"] = str(loaded.path)
    record = RunRecord.from_events(
        model, node.prompt, settings.to_dict(), run["start"], run["done"], run["tokens"]
    )
    key = tree.add(record, tree.owner(args.node, fork), fork)
    if args.output:
        from studio.io.export import export_tree

        try:
            export_tree(args.output, tree, key)
        except OSError as e:
            raise OutputError(f"--output {args.output}: cannot write ({e.strerror or e})") from None
        print(f"wrote {args.output} (node {key} of {len(tree)})", file=sys.stderr)
    return EXIT_INTERRUPTED if cancel.is_set() else 0
