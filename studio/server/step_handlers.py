"""The engine's requests for steering a run: step mode (one token or one pixel at a time),
running on from the tokens taken, and A/B compare. Same conventions as handlers.py. (An image
run in step mode runs on as an ordinary image run whose request carries the pixels taken.)"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from studio.core.batching import TEXT_BATCH_S, EventBatcher
from studio.core.events import DoneEvent, TokenEvent
from studio.core.image_frames import ImageRequest
from studio.engine.cpu_threads import set_threads_for_run
from studio.engine.image.step_mode import next_pixel_step
from studio.engine.text.compare import compare_runs, find_parting, same_seed
from studio.engine.text.generation import GenerationSettings, generate_text
from studio.engine.text.step_mode import next_step
from studio.server.handlers import EngineServer, _model_that_made, _need_model, message_of
from studio.settings import ImageSettings


def do_step(
    server: EngineServer,
    model_path: str,
    prompt: str,
    ids: list,
    settings: dict,
    seed: int,
    pick: int | None,
) -> None:
    """One step of a run in step mode, after `ids` (the tokens taken so far): a StepOutcome."""
    try:
        loaded = _model_that_made(server, model_path)
        gs = GenerationSettings.from_dict({**settings, "num_samples": 1})
        outcome = next_step(loaded, prompt, [int(i) for i in ids], gs, int(seed), pick)
    except Exception as e:  # noqa: BLE001
        server.send("step_failed", len(ids), message_of(e))
        return
    server.send("stepped", outcome)


def do_pixel_step(
    server: EngineServer,
    model_path: str,
    request: ImageRequest,
    values: list,
    pick: int | None,
) -> None:
    """One pixel of sample 0 of an image run in step mode, after `values` (sample 0's drawn
    pixels taken so far): a PixelStepOutcome. `request` holds the settings (its seed set) and
    any pixels to keep."""
    try:
        loaded, info = _need_model(server, image=True)
        if Path(info["path"]).resolve() != Path(model_path).resolve():
            raise ValueError(f"{info['title']} is loaded now, not the model of this picture.")
        settings = ImageSettings.from_dict(request.settings)
        ids = [int(v) for v in values]
        outcome = next_pixel_step(loaded, settings, ids, pick, request.init, request.mask)
    except Exception as e:  # noqa: BLE001
        server.send("pixel_step_failed", len(values), message_of(e))
        return
    server.send("pixel_stepped", outcome)


def do_resume(
    server: EngineServer,
    run_id: int,
    prompt: str,
    settings: dict,
    ids: list,
    cancel: threading.Event,
) -> None:
    """Run on from the tokens taken in step mode, as a text run streaming its events (the same
    seed stream: the uninterrupted run's tokens when every step was accepted)."""
    try:
        loaded, _ = _need_model(server, image=False)
        set_threads_for_run()
        gs = GenerationSettings.from_dict({**settings, "num_samples": 1})
        batcher = EventBatcher(
            TEXT_BATCH_S, lambda batch: server.send("events", run_id, time.perf_counter(), batch)
        )
        for ev in generate_text(loaded, prompt, gs, cancel, resume=[int(i) for i in ids]):
            batcher.add(ev)
            if type(ev) is TokenEvent:
                batcher.tick()
        batcher.flush()
    except Exception as e:  # noqa: BLE001
        server.send("error", message_of(e))
    server.send("ended", run_id)


def do_compare(
    server: EngineServer, prompt: str, a: dict, b: dict, cancel: threading.Event
) -> None:
    """Settings A and B on one prompt and seed, their events streamed side by side
    (compare_events: side 0 or 1, a batch), then where they part (compared: a Parting, the
    seed)."""
    try:
        loaded, _ = _need_model(server, image=False)
        set_threads_for_run()
        sa, sb = same_seed(*(GenerationSettings.from_dict({**s, "num_samples": 1}) for s in (a, b)))
        ids: list[list[int]] = [[], []]

        def sender(side: int) -> Callable[[list], None]:
            return lambda batch: server.send("compare_events", side, batch)

        batchers = [EventBatcher(TEXT_BATCH_S, sender(side)) for side in (0, 1)]
        for side, ev in compare_runs(loaded, prompt, sa, sb, cancel):
            batchers[side].add(ev)
            if type(ev) is TokenEvent:
                ids[side].append(ev.id)
                batchers[side].tick()
            elif type(ev) is DoneEvent:
                batchers[side].flush()
        for batcher in batchers:
            batcher.flush()
        parting = find_parting(loaded, prompt, ids[0], ids[1], sa, sb, sa.seed)
    except Exception as e:  # noqa: BLE001
        server.send("compare_failed", message_of(e))
        return
    server.send("compared", parting, sa.seed)


HANDLERS: dict[str, Callable[..., None]] = {
    "step": do_step,
    "pixel_step": do_pixel_step,
    "resume": do_resume,
    "compare": do_compare,
}
