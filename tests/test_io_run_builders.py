"""Run records built in the window's process from what the engine process sent (io.text_run,
io.image_run), also for a run the engine did not live to end; pixels per second as such."""

from __future__ import annotations

import json
import sqlite3

import numpy as np
from image_helpers import save_image_model, tiny_image_gpt, tiny_pixelcnn

from studio.cli.main import main as cli_main
from studio.core.events import DoneEvent, PixelEvent, StartEvent, TokenEvent
from studio.core.image_frames import ImageRequest, image_frame
from studio.io.export import read_run
from studio.io.history import HistoryStore
from studio.io.image_export import decode_png
from studio.io.image_run import ImageRun
from studio.io.png_chunks import read_image
from studio.io.run import RunRecord
from studio.io.text_run import TextRun

MODEL = {"name": "m", "title": "M", "path": "/m.safetensors"}


def pixel(sample, row, col, value):
    return PixelEvent(sample, 0, row, col, 0, value, 0.5, 0.25, 1.0)


def test_an_image_run_the_engine_did_not_end_keeps_what_arrived():
    geometry = {"height": 2, "width": 3, "channels": 3, "palette": [[0, 0, 0], [255, 0, 0]]}
    init = np.zeros((2, 3, 3), np.uint8)
    init[1, 2] = (9, 8, 7)
    mask = np.zeros((2, 3), bool)
    mask[1, 2] = True
    run = ImageRun(MODEL, geometry, ImageRequest({"num_samples": 2}, init, mask), t0=10.0)
    assert run.record("engine-died") is None  # nothing started yet
    start = StartEvent("m", {"num_samples": 2, "guidance": 1.0}, 5, 1, 2)
    run.add(image_frame([start, pixel(0, 0, 0, 1), pixel(1, 0, 0, 0)], 1), at=10.1)
    run.add(image_frame([pixel(0, 0, 1, 1), pixel(1, 0, 1, 1)], 2), at=10.3)
    assert run.record() is None  # not ended, and no reason to mark it with
    rec = run.record("engine-died")
    assert (rec.kind, rec.stop_reason, rec.tokens, rec.seed) == ("image", "engine-died", 2, 5)
    assert abs(rec.ttft_ms - 100) < 1e-6 and abs(rec.tokens_per_s - 5) < 1e-6
    assert abs(rec.pixels_per_s - 10) < 1e-6  # both samples
    first = decode_png(rec.media["images"][0])
    assert first[0, :2].tolist() == [[255, 0, 0], [255, 0, 0]]  # the drawn pixels, coloured
    assert first[1, 2].tolist() == [9, 8, 7]  # the kept pixel, from the init image
    assert rec.media["prob"][0][:2] == [0.5, 0.5] and rec.media["kept"]
    assert rec.text == "image, completion of 1 kept pixels, 2 samples"


def test_an_ended_image_run_says_pixels_per_second_over_the_batch():
    geometry = {"height": 1, "width": 1, "channels": 1, "palette": None, "labels": ["a"]}
    run = ImageRun(MODEL, geometry, ImageRequest({"num_samples": 2}, label_name="a"))
    done = [
        DoneEvent(i, "", 1, "length", 3.0, 40.0, image=np.full((1, 1), i, np.uint8))
        for i in range(2)
    ]
    run.add(
        image_frame(
            [
                StartEvent("m", {"guidance": 2.0}, 1, 0, 2),
                pixel(0, 0, 0, 4),
                pixel(1, 0, 0, 5),
                *done,
            ],
            1,
        )
    )
    rec = run.record("ignored: it ended")
    assert (rec.stop_reason, rec.tokens_per_s, rec.pixels_per_s) == ("length", 40.0, 80.0)
    assert rec.text == "image: label a, guidance 2, 2 samples"
    assert decode_png(rec.media["images"][1]).tolist() == [[1]]  # the engine's own pictures


def test_a_text_run_the_engine_did_not_end_keeps_its_text():
    run = TextRun(MODEL, "he", t0=1.0)
    run.add([StartEvent("m", {"seed": None}, 3, 2)], at=1.05)
    assert run.record("engine-died").tokens == 0  # started, nothing drawn yet
    run.add([TokenEvent(0, 0, 1, "l", 0.5, 0.5, 1.0)], at=1.2)
    run.add(
        [TokenEvent(0, 1, 1, "l", 0.5, 0.5, 1.0), TokenEvent(0, 2, 2, "o", 0.5, 0.5, 1.0)], at=1.3
    )
    assert run.record() is None
    rec = run.record("engine-died")
    assert (rec.text, rec.tokens, rec.stop_reason, rec.seed) == ("llo", 3, "engine-died", 3)
    assert abs(rec.ttft_ms - 200) < 1e-6 and abs(rec.tokens_per_s - 20) < 1e-6
    assert rec.settings == {"seed": 3} and len(rec.trace) == 3


def image_record(**kw) -> RunRecord:
    base = dict(
        model_name="d",
        model_title="D",
        model_path="",
        prompt="",
        text="image",
        settings={},
        seed=1,
        stop_reason="length",
        tokens=4,
        ttft_ms=1.0,
        tokens_per_s=300.0,
        kind="image",
        media={"images": []},
    )
    return RunRecord(**(base | kw))


def test_old_image_records_read_their_pixels_per_second_from_tokens_per_second(tmp_path):
    old = image_record().to_json()
    del old["pixels_per_s"]  # as written before the field existed
    assert RunRecord.from_json(old).pixels_per_s == 300.0
    new = image_record(tokens_per_s=150.0, pixels_per_s=600.0)
    assert RunRecord.from_json(json.loads(json.dumps(new.to_json()))).pixels_per_s == 600.0
    text = RunRecord.from_json(image_record(kind="text").to_json())
    assert text.pixels_per_s == 0.0 and "pixels_per_s" not in text.to_json()
    # the history: a row written before the column existed, and a new one
    path = tmp_path / "h.sqlite3"
    store = HistoryStore(path)
    old_id = store.add(image_record())
    store.close()
    db = sqlite3.connect(path)
    db.execute("UPDATE runs SET pixels_per_s = NULL WHERE id = ?", (old_id,))
    db.commit()
    db.close()
    store = HistoryStore(path)
    assert store.get(old_id).pixels_per_s == 300.0
    new_id = store.add(new)
    assert (store.get(new_id).pixels_per_s, store.get(new_id).tokens_per_s) == (600.0, 150.0)


def test_the_command_line_writes_an_image_run_as_json(tmp_path, capsys):
    digits = save_image_model(tmp_path / "tiny-digits.safetensors", tiny_pixelcnn())
    args = ["generate", "--model", str(digits), "--seed", "3", "--label", "b", "--num-samples", "2"]
    assert cli_main([*args, "--output", str(tmp_path / "run.json")]) == 0
    assert cli_main([*args, "--output", str(tmp_path / "grid.png")]) == 0
    rec = read_run(tmp_path / "run.json")
    assert (rec.kind, rec.seed, rec.stop_reason, rec.media["label"]) == ("image", 3, "length", "b")
    assert rec.pixels_per_s > rec.tokens_per_s > 0 and rec.tokens == 7 * 6
    grid = read_image(tmp_path / "grid.png")[0][..., 0]  # (7, 6+2+6) grey
    np.testing.assert_array_equal(decode_png(rec.media["images"][0]), grid[:, :6])
    np.testing.assert_array_equal(decode_png(rec.media["images"][1]), grid[:, 8:])
    assert np.asarray(rec.media["entropy"]).shape == (2, 42)
    emoji = save_image_model(tmp_path / "tiny-emoji.safetensors", tiny_image_gpt())
    assert cli_main(["generate", "--model", str(emoji), "--output", str(tmp_path / "e.json")]) == 0
    assert decode_png(read_run(tmp_path / "e.json").media["images"][0]).shape == (5, 5, 3)
