"""What crosses between the window's process and the engine process: framing, plain data only,
and the one batching rule text and images share."""

from __future__ import annotations

import io
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from studio.core.batching import EventBatcher
from studio.core.events import Candidate, DoneEvent, PixelEvent, StartEvent, TokenEvent
from studio.core.image_frames import ImageRequest, image_frame
from studio.core.stages import StageDistribution
from studio.core.wire import WireError, dumps, loads, read_message, write_message

ROOT = Path(__file__).resolve().parents[1]


def pixel(sample, row, col, value, dist=None):
    return PixelEvent(sample, 0, row, col, 0, value, 0.5, 0.25, 1.0, dist)


def test_messages_round_trip_with_events_arrays_and_stages():
    token = TokenEvent(0, 0, 5, "a", 0.5, 0.4, 1.2, (Candidate(5, "a", 0.5, 0.4),))
    stage = StageDistribution(
        "model",
        "",
        (Candidate(5, "a", 0.5, 0.4),),
        10,
        1.0,
        0.5,
        Candidate(5, "a", 0.5, 0.4),
        {5: 0.5},
    )
    frame = image_frame(
        [StartEvent("m", {}, 1, 0), pixel(0, 0, 1, 7, (0.5, 0.5)), pixel(1, 0, 1, 3, (1.0, 0.0))],
        steps=1,
    )
    request = ImageRequest({"num_samples": 2}, np.zeros((2, 2), np.uint8), np.eye(2, dtype=bool))
    buf = io.BytesIO()
    for m in (
        ("events", 1, 0.5, [token]),
        ("stages", 0, 5, [stage]),
        ("frame", 1, 0.0, frame),
        ("image", 2, request),
    ):
        write_message(buf, m)
    buf.seek(0)
    assert read_message(buf) == ("events", 1, 0.5, [token])
    assert read_message(buf)[2:] == (5, [stage])
    got = read_message(buf)[3]
    assert got.start.seed == 1
    np.testing.assert_array_equal(got.pixels.value, [7, 3])
    assert got.pixels.dist.dtype == np.float16 and got.pixels.dist.shape == (2, 2)
    r = read_message(buf)[2]
    assert r.mask.dtype == bool and r.mask[1, 1] and r.pace_s == 0.0
    assert read_message(buf) is None  # the end of the stream


class NotPlain:
    pass


def test_anything_but_plain_data_is_refused():
    with pytest.raises(WireError, match="NotPlain: not plain data"):
        loads(dumps(("x", NotPlain()))[4:])
    # what a torch object pickles as (a global from torch): refused before torch is imported
    body = b"\x80\x05\x8c\x05torch\x94\x8c\x06tensor\x94\x93\x94."
    with pytest.raises(WireError, match="torch.tensor"):
        loads(body)
    with pytest.raises(WireError, match="tuple"):
        loads(pickle.dumps([1, 2]))
    with pytest.raises(WireError, match="unreadable"):
        loads(b"not a pickle")
    assert loads(pickle.dumps(("x", {1, 2}))) == ("x", {1, 2})


def test_reading_a_message_imports_neither_torch_nor_the_engine():
    code = (
        "import sys, numpy as np\n"
        "from studio.core.wire import dumps, loads\n"
        "from studio.core.events import StartEvent, DoneEvent\n"
        "from studio.core.image_frames import ImageFrame\n"
        "m = loads(dumps(('frame', 1, 0.0, ImageFrame(StartEvent('m', {}, 1, 0), None,"
        " [DoneEvent(0, '', 1, 'length', 1.0, 1.0, image=np.zeros((2, 2), np.uint8))])))[4:])\n"
        "assert m[3].done[0].image.shape == (2, 2)\n"
        "bad = [k for k in sys.modules if k == 'torch' or k.startswith('studio.engine')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_the_first_batch_goes_at_once_then_one_per_interval():
    clock, sent = Clock(), []
    b = EventBatcher(0.033, sent.append, clock)
    b.add("start")
    b.add("t1")
    assert b.tick() and sent == [["start", "t1"]]  # the first token at once, the start with it
    for i, t in enumerate((0.010, 0.020, 0.030)):
        clock.t = t
        b.add(f"t{i + 2}")
        assert not b.tick()
    clock.t = 0.034
    b.add("t5")
    assert b.tick() and sent[-1] == ["t2", "t3", "t4", "t5"]
    clock.t = 0.040
    b.add("done")
    b.flush()  # the end flushes whatever the time
    assert sent[-1] == ["done"]
    b.flush()
    assert len(sent) == 3  # nothing pending, nothing sent
    b.add("x")
    assert b.tick(force=True) and sent[-1] == ["x"]  # paced image steps go every step


def test_image_frames_pack_events_into_arrays():
    f = image_frame([pixel(0, 1, 2, 9), DoneEvent(0, "", 1, "length", 1.0, 2.0)], steps=4)
    assert f.start is None and f.pixels.steps == 4 and len(f.done) == 1
    assert f.pixels.row.tolist() == [1] and f.pixels.col.tolist() == [2] and f.pixels.dist is None
    assert image_frame([], 0).pixels is None
