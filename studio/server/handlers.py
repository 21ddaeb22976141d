"""What the engine process does for each request (run in its main thread, one at a time).

Each handler answers with messages (see `studio.io.engine_process` for their names and fields).
Importing this module imports torch and the engine.
"""

from __future__ import annotations

import gc
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Protocol

import torch

from studio.core.batching import IMAGE_FRAME_S, TEXT_BATCH_S, EventBatcher
from studio.core.events import DoneEvent, PixelEvent, TokenEvent
from studio.core.image_frames import ImageRequest, image_frame
from studio.engine.cpu_threads import set_threads_for_run
from studio.engine.formats import model_finder
from studio.engine.image.branching import PixelBranch
from studio.engine.image.generation import ImageSettings, generate_image
from studio.engine.image.inspect_pixel import inspect_pixel
from studio.engine.text.branching import Branch
from studio.engine.text.generation import GenerationSettings, generate_text
from studio.engine.text.inspect import inspect_step
from studio.engine.text.sampling_stages import sampling_stages


class Pace(Protocol):
    seconds: float


class EngineServer(Protocol):
    """What the handlers use of studio.server.main.EngineServer."""

    loaded: object  # the engine's LoadedModel, or None
    info: dict | None  # its description, as sent to the window
    pace: Pace  # of image runs, changed mid-run by the reader thread

    def send(self, *message: object) -> None: ...


def message_of(e: BaseException) -> str:
    """One line for the person: the message of errors they can act on, the type of others (whose
    traceback goes to stderr)."""
    from studio.core.errors import StudioError

    if isinstance(e, (StudioError, ValueError, OSError)):
        return str(e) or type(e).__name__
    traceback.print_exc()
    return f"{type(e).__name__}: {e}"


def describe(m: model_finder.ModelInfo) -> dict:
    """The picker's row of a model: every field of its ModelInfo, the card whole (builtins only, as
    the wire requires)."""
    return asdict(m)


def where(model) -> str:
    """Where the model runs, as the status bar shows it: "cuda:0", or "cpu, 1 thread" (so a
    slower stream than the command line's on a small machine has its reason in sight)."""
    device = next(model.parameters()).device
    if device.type != "cpu":
        return str(device)
    n = torch.get_num_threads()
    return f"cpu, {n} thread" + ("s" if n != 1 else "")


def image_geometry(loaded) -> dict:
    """What the window needs to build an image run's record: size, channels, palette, labels."""
    x = loaded.extras
    palette = x.get("palette")
    return {
        "height": int(x["height"]),
        "width": int(x["width"]),
        "channels": int(x["channels"]),
        "palette": palette.tolist() if palette is not None else None,
        "labels": list(x["labels"]) if x.get("labels") else None,
    }


# ---- requests ---------------------------------------------------------------------------------


def do_list(server: EngineServer) -> None:
    try:
        models, problems = model_finder.list_models()
    except Exception as e:  # noqa: BLE001 - said in the window, which still gets a (empty) list
        server.send("error", message_of(e))
        models, problems = [], []
    server.send("models", [describe(m) for m in models], list(problems))


def do_load(server: EngineServer, path: str, device: str, dtype: str = "auto") -> None:
    server.send("loading", path)
    try:
        info = describe(model_finder.describe(Path(path), "path"))
        loaded = model_finder.load_model(path, device, dtype)
        set_threads_for_run()
        info["device"] = where(loaded.model)
        # the precision computed in ("float32", "bfloat16", "int8"), and the card's line saying so
        info["precision"] = loaded.extras.get("precision", "float32")
        if "precision" in loaded.card.get("architecture", {}):
            info["card"].setdefault("architecture", {})["precision"] = loaded.card["architecture"][
                "precision"
            ]
        if loaded.kind.startswith("image-"):
            info["image"] = image_geometry(loaded)
    except Exception as e:  # noqa: BLE001
        server.send("load_failed", path, message_of(e))
        return
    server.loaded, server.info = loaded, info
    # torch, the engine and the model are here to stay: move their objects out of the collector's
    # view, so that a full collection mid-run (~1M objects after `import torch`, tens of ms holding
    # the GIL) cannot delay the reader thread's stop
    gc.freeze()
    server.send("loaded", info)


def _need_model(server: EngineServer, image: bool, translation_ok: bool = False) -> tuple:
    """(the loaded model, its description), if it is of the kind the request needs; a
    translation model only for the requests that can run one (`translation_ok`)."""
    info = server.info
    if server.loaded is None or info is None:
        raise ValueError("No model is loaded yet.")
    is_image = info["kind"].startswith("image-")
    if info["kind"] == "translate-seq2seq" and not translation_ok:
        raise ValueError(
            f"{info['title']} translates: in the window, Generate and a token's stages run it; "
            f'on the command line: aigc-studio generate --model {info["name"]} --source "..."'
        )
    if image and not is_image:
        raise ValueError(f"{info['title']} is a text model: choose an image model to draw.")
    if not image and is_image:
        raise ValueError(f"{info['title']} draws images: choose a text model to write.")
    return server.loaded, info


def do_generate(
    server: EngineServer,
    run_id: int,
    prompt: str,
    settings: dict,
    cancel: threading.Event,
    branch: dict | None = None,
) -> None:
    """A text run, its events in batches (the first token at once, then one per 33 ms). With a
    translation model the prompt is the source, and `settings["beam"]` (default 1: the sampling
    chain) the beam width."""
    try:
        loaded, info = _need_model(server, image=False, translation_ok=branch is None)
        set_threads_for_run()  # from the cores free as this run starts
        gs = GenerationSettings.from_dict({**settings, "num_samples": 1})
        batcher = EventBatcher(
            TEXT_BATCH_S, lambda batch: server.send("events", run_id, time.perf_counter(), batch)
        )
        if info["kind"] == "translate-seq2seq":
            from studio.engine.text.translation import translate

            events = translate(loaded, prompt, gs, cancel, beam=settings.get("beam", 1))
        else:
            fork = Branch.from_dict(branch) if branch is not None else None
            events = generate_text(loaded, prompt, gs, cancel, branch=fork)
        for ev in events:
            batcher.add(ev)
            kind = type(ev)
            if kind is TokenEvent:
                batcher.tick()
            elif kind is DoneEvent:
                batcher.flush()
        batcher.flush()
    except Exception as e:  # noqa: BLE001
        server.send("error", message_of(e))
    server.send("ended", run_id)


def do_branch(
    server: EngineServer,
    run_id: int,
    prompt: str,
    settings: dict,
    branch: dict,
    cancel: threading.Event,
) -> None:
    """A branch of a text run (engine/text/branching.py): `branch` holds the generated ids
    before the fork and the chosen token (id, or typed text); streamed as a run is."""
    do_generate(server, run_id, prompt, settings, cancel, branch)


def do_image(
    server: EngineServer, run_id: int, request: ImageRequest, cancel: threading.Event
) -> None:
    """An image run, one frame per 16 ms at most (every step when paced slower than that); the
    pace waits on the run's cancel event, so Stop is immediate."""
    try:
        loaded, _ = _need_model(server, image=True)
        set_threads_for_run()  # from the cores free as this run starts
        settings = ImageSettings.from_dict(request.settings)
        last = settings.num_samples - 1
        steps = 0

        def send(events: list) -> None:
            server.send("frame", run_id, time.perf_counter(), image_frame(events, steps))

        batcher = EventBatcher(IMAGE_FRAME_S, send)
        pace = server.pace
        branch = PixelBranch.from_dict(request.branch) if request.branch else None
        for ev in generate_image(
            loaded,
            settings,
            init=request.init,
            mask=request.mask,
            cancel=cancel,
            resume=request.resume,
            branch=branch,
        ):
            batcher.add(ev)
            if isinstance(ev, PixelEvent) and ev.sample == last:
                steps += 1
                seconds = pace.seconds
                batcher.tick(force=seconds >= IMAGE_FRAME_S)
                if seconds > 0:
                    cancel.wait(seconds)
        batcher.flush()
    except Exception as e:  # noqa: BLE001
        server.send("error", message_of(e))
    server.send("ended", run_id)


def do_png(server: EngineServer, path: str) -> None:
    """The settings stored in a PNG this studio exported, checked by the engine."""
    from studio.io.image_export import restore_from_png

    try:
        name, settings = restore_from_png(path)
    except Exception as e:  # noqa: BLE001
        server.send("png_failed", path, message_of(e))
        return
    server.send("png", path, name, settings.to_dict())


def do_stages(
    server: EngineServer, model_path: str, prompt: str, ids: list, settings: dict
) -> None:
    """The sampling stages of the last of `ids` (the tokens of a run of `prompt` with `settings`,
    up to and including it), with the loaded model, which must be the one at `model_path` (a
    model switch may have been asked for since)."""
    step = len(ids) - 1
    try:
        loaded = _model_that_made(server, model_path, translation_ok=True)
        gs = GenerationSettings.from_dict({**settings, "num_samples": 1})
        stages = sampling_stages(loaded, prompt, list(ids), gs)
    except Exception as e:  # noqa: BLE001
        server.send("stages_failed", step, message_of(e))
        return
    server.send("stages", step, ids[-1], stages)


def do_inspect(
    server: EngineServer, model_path: str, prompt: str, ids: list, settings: dict, what: tuple
) -> None:
    """Inside the last of `ids` (as for the stages): its attention and/or logit lens (`what`),
    as a core.inspection.Inspection."""
    step = len(ids) - 1
    try:
        loaded = _model_that_made(server, model_path)
        gs = GenerationSettings.from_dict({**settings, "num_samples": 1})
        found = inspect_step(loaded, prompt, list(ids), gs, what=tuple(what))
    except Exception as e:  # noqa: BLE001
        server.send("inspect_failed", step, message_of(e))
        return
    server.send("inspected", step, found)


def do_inspect_pixel(
    server: EngineServer, model_path: str, picture, row: int, col: int, label: int | None
) -> None:
    """What pixel (row, col) of `picture` (a finished run's, drawn by the model at `model_path`
    with `label`) looked at, as a core.pixel_inspection.PixelInspection."""
    try:
        loaded, info = _need_model(server, image=True)
        if Path(info["path"]).resolve() != Path(model_path).resolve():
            raise ValueError(
                f"{info['title']} is loaded now, not the model that drew this picture."
            )
        found = inspect_pixel(loaded, picture, int(row), int(col), label)
    except Exception as e:  # noqa: BLE001
        server.send("pixel_inspect_failed", (row, col), message_of(e))
        return
    server.send("pixel_inspected", (row, col), found)


def do_chat(server: EngineServer, messages: list) -> None:
    """The prompt the loaded chat model continues for a conversation (its template's rendering),
    for the window to generate from."""
    from studio.engine.text.chat import conversation_prompt

    try:
        loaded, _ = _need_model(server, image=False)
        text = conversation_prompt(loaded, list(messages))
    except Exception as e:  # noqa: BLE001
        server.send("chat_failed", message_of(e))
        return
    server.send("chat_prompt", text)


def do_translation_attention(
    server: EngineServer, model_path: str, source: str, target: str
) -> None:
    """The cross-attention the loaded translation model (the one at `model_path`) used making
    `target` from `source`: a dict of source_tokens, target_tokens, cross (L, H, T, S) and
    average (T, S) float32 arrays (text/translation.py's TranslationAttention)."""
    from studio.engine.text.translation import cross_attention, is_translation

    try:
        loaded, info = server.loaded, server.info
        if loaded is None or info is None:
            raise ValueError("No model is loaded yet.")
        if Path(info["path"]).resolve() != Path(model_path).resolve():
            raise ValueError(f"{info['title']} is loaded now, not the model that made this text.")
        if not is_translation(loaded):  # type: ignore[arg-type]
            raise ValueError(f"{info['title']} is not a translation model.")
        found = cross_attention(loaded, source, target)  # type: ignore[arg-type]
        answer = {
            "source_tokens": found.source_tokens,
            "target_tokens": found.target_tokens,
            "cross": found.cross,
            "average": found.average,
        }
    except Exception as e:  # noqa: BLE001
        server.send("translation_attention_failed", message_of(e))
        return
    server.send("translation_attention", answer)


def _model_that_made(server: EngineServer, model_path: str, translation_ok: bool = False):
    """The loaded text model, if it is the one at `model_path` (a model switch may have been
    asked for since the text was made)."""
    loaded, info = _need_model(server, image=False, translation_ok=translation_ok)
    if Path(info["path"]).resolve() != Path(model_path).resolve():
        raise ValueError(f"{info['title']} is loaded now, not the model that made this text.")
    return loaded


HANDLERS: dict[str, Callable[..., None]] = {
    "list": do_list,
    "load": do_load,
    "generate": do_generate,
    "branch": do_branch,
    "image": do_image,
    "png": do_png,
    "stages": do_stages,
    "inspect": do_inspect,
    "inspect_pixel": do_inspect_pixel,
    "chat": do_chat,
    "translation_attention": do_translation_attention,
}
