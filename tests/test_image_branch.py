"""Branching an image run at a pixel, in the engine and on the command line: the prefix is the
run's pixel for pixel, the chosen pixel is marked with the probability the model gave its value,
the run's own value gives the run's own picture back (the seed moved on to the fork), the tree
file round-trips, and bad input is one line."""

import json

import numpy as np
import pytest
from image_helpers import save_image_model, tiny_image_gpt, tiny_pixelcnn
from PIL import Image

from studio.cli.main import main
from studio.core.errors import SettingsError
from studio.core.image_frames import ImageRequest, image_frame
from studio.engine.image.branching import PixelBranch
from studio.engine.image.generation import generate_image
from studio.io.image_export import decode_png
from studio.io.image_run import ImageRun
from studio.io.run_tree import RunTree, read_tree, tree_of
from studio.server.handlers import image_geometry
from studio.settings import ImageSettings, SamplingSettings


@pytest.fixture(scope="module")
def digits():
    return tiny_pixelcnn(log_scale=0.5)  # 7x6, broad distributions


@pytest.fixture(scope="module")
def emoji():
    return tiny_image_gpt()  # 5x5, 6 colours


def settings(sampler="fast", n=1, seed=5, **sampling):
    return ImageSettings(
        sampling=SamplingSettings(**({"temperature": 1.0} | sampling)),
        seed=seed,
        num_samples=n,
        sampler=sampler,
        distribution=True,
    )


def run(loaded, s, init=None, mask=None, branch=None):
    """(pictures, pixel events of sample 0, every event)."""
    events = list(generate_image(loaded, s, init, mask, branch=branch))
    pictures = [e.image for e in events if e.event == "done"]
    return pictures, [e for e in events if e.event == "pixel" and e.sample == 0], events


def flat(picture):
    return picture.reshape(picture.shape[0] * picture.shape[1], -1)


@pytest.mark.parametrize("sampler", ["fast", "naive"])
@pytest.mark.parametrize("which", ["digits", "emoji"])
def test_the_drawn_value_gives_the_runs_own_picture_back(which, sampler, request):
    loaded = request.getfixturevalue(which)
    s = settings(sampler)
    (picture,), pixels, _ = run(loaded, s)
    for fork in (0, 9, len(pixels) - 1):
        p = pixels[fork]
        (again,), branch, _ = run(loaded, s, picture, None, PixelBranch(p.row, p.col, p.value))
        assert np.array_equal(again, picture)
        assert branch[0].by_hand and (branch[0].row, branch[0].col) == (p.row, p.col)
        assert len(branch) == len(pixels) - fork  # the fork and every pixel after it


def test_a_branch_keeps_the_prefix_and_marks_the_chosen_value(digits):
    s = settings()
    (picture,), pixels, _ = run(digits, s)
    fork = 17
    p = pixels[fork]
    value = int(np.argsort(p.distribution)[-2]) if p.value == np.argmax(p.distribution) else 0
    (branched,), own, events = run(digits, s, picture, None, PixelBranch(p.row, p.col, value))
    assert np.array_equal(flat(branched)[:fork], flat(picture)[:fork])  # pixel for pixel
    assert flat(branched)[fork, 0] == value
    first = own[0]
    assert first.by_hand and first.value == value and first.step == 0
    # the probability the model gave this value there, as the run's distribution says
    assert first.prob == pytest.approx(p.distribution[value], rel=1e-5)
    assert first.to_json()["by_hand"] is True and "by_hand" not in own[1].to_json()
    assert not any(e.by_hand for e in own[1:])
    assert events[0].prompt_tokens == fork  # the pixels kept


def test_a_batch_sample_branches_with_its_own_seed_and_a_completion_keeps_its_pixels(emoji):
    s = settings(n=4, seed=9)
    pictures, _, events = run(emoji, s)
    third = [e for e in events if e.event == "pixel" and e.sample == 2]
    p = third[6]
    one = settings(seed=9 + 2)  # sample i of a batch is a run of one with seed + i
    (again,), _, _ = run(emoji, one, pictures[2], None, PixelBranch(p.row, p.col, p.value))
    assert np.array_equal(again, pictures[2])
    # a completion: its kept pixels stay kept after the fork, and the seed skips them too
    keep = np.zeros((5, 5), bool)
    keep[0, :3] = keep[3, :] = True
    init = np.zeros((5, 5, 3), np.uint8)
    init[keep] = emoji.extras["palette"][2]
    (done,), px, _ = run(emoji, settings(), init, keep)
    p = px[4]
    (again,), _, _ = run(emoji, settings(), done, keep, PixelBranch(p.row, p.col, p.value))
    assert np.array_equal(again, done)
    with pytest.raises(SettingsError, match="kept from the init image"):
        run(emoji, settings(), done, keep, PixelBranch(0, 1, 0))


def test_greedy_gives_the_chosen_value_probability_one_only_where_greedy_goes(digits):
    s = settings(temperature=0)
    (picture,), pixels, _ = run(digits, s)
    p = pixels[3]
    (_,), same, _ = run(digits, s, picture, None, PixelBranch(p.row, p.col, p.value))
    (_,), off, _ = run(digits, s, picture, None, PixelBranch(p.row, p.col, (p.value + 128) % 256))
    assert same[0].prob == 1.0 and off[0].prob == 0.0 and off[0].model_prob > 0


def test_bad_pixels_and_values_are_one_line(digits, emoji):
    (picture,), _, _ = run(digits, settings())
    with pytest.raises(SettingsError, match="outside"):
        run(digits, settings(), picture, None, PixelBranch(7, 0, 3))
    with pytest.raises(SettingsError, match="grey levels 0-255"):
        run(digits, settings(), picture, None, PixelBranch(0, 0, 256))
    (picture,), _, _ = run(emoji, settings())
    with pytest.raises(SettingsError, match="palette indices 0-5"):
        run(emoji, settings(), picture, None, PixelBranch(0, 0, 6))


def record_of(loaded, s, events, branch=None, init=None, mask=None):
    model = {"name": loaded.name, "title": loaded.name, "path": ""}
    request = ImageRequest(s.to_dict(), init, mask, branch=branch)
    collector = ImageRun(model, image_geometry(loaded), request)
    steps = sum(1 for e in events if e.event == "pixel" and e.sample == 0)
    collector.add(image_frame(events, steps))
    return collector.record()


def test_the_tree_of_an_image_run_round_trips_and_rebuilds_the_path_maps(digits):
    s = settings(n=2)
    pictures, _, events = run(digits, s)
    root = record_of(digits, s, events)
    p = [e for e in events if e.event == "pixel" and e.sample == 1][20]
    one = settings(seed=6)
    _, _, bevents = run(digits, one, pictures[1], None, PixelBranch(p.row, p.col, 0))
    branch = {"row": p.row, "col": p.col, "value": 0, "sample": 1}
    rec = record_of(digits, one, bevents, branch, pictures[1])
    chosen = rec.media["chosen"]
    assert chosen["value"] == 0 and chosen["sample"] == 1 and chosen["model_prob"] > 0
    assert "branch at pixel" in rec.text
    tree = RunTree(root)
    key = tree.add(rec, 0, 20)
    assert tree.nodes[key].chosen == chosen
    again = tree_of(json.loads(json.dumps(tree.to_json())))
    assert again.to_json() == tree.to_json()
    path = again.path_record(key)
    assert path.tokens == 42  # every pixel of the picture, drawn by the run or the branch
    assert path.media["prob"][0][:20] == root.media["prob"][1][:20]  # sample 1's, before it
    assert path.media["prob"][0][20:] == rec.media["prob"][0][20:]
    with pytest.raises(ValueError, match="outside"):
        tree.add(rec, 0, 42)


def test_the_command_line_branches_a_pixel_of_an_exported_image_run(tmp_path, capsys, emoji):
    model = save_image_model(tmp_path / "tiny-emoji.safetensors", emoji)
    first, tree_file = tmp_path / "run.json", tmp_path / "tree.json"
    gen = ["generate", "--model", str(model), "--seed", "4", "--num-samples", "4"]
    assert main([*gen, "--output", str(first)]) == 0
    parent = json.loads(first.read_text(encoding="utf-8"))
    capsys.readouterr()
    args = ["generate", "--from", str(first), "--at", "2,3", "--choose", "5", "--sample", "1"]
    assert main([*args, "--output", str(tree_file)]) == 0
    err = capsys.readouterr().err
    assert "branch at pixel (2, 3) of sample 1: value 5 chosen by hand" in err
    t = read_tree(tree_file)
    assert len(t) == 2 and t.nodes[1].fork == 13 and t.nodes[1].chosen["value"] == 5
    assert t.nodes[1].run.settings["seed"] == 5 and t.nodes[1].run.settings["num_samples"] == 1
    before = flat(decode_png(parent["media"]["images"][1]))
    after = flat(decode_png(t.nodes[1].run.media["images"][0]))
    assert np.array_equal(after[:13], before[:13])
    assert np.array_equal(after[13], emoji.extras["palette"][5])
    # with the run's own value: the run's own picture
    own = int(np.argmin(((emoji.extras["palette"].astype(int) - before[13]) ** 2).sum(-1)))
    png = tmp_path / "same.png"
    same = ["generate", "--from", str(first), "--at", "2,3", "--choose", str(own)]
    assert main([*same, "--sample", "1", "--scale", "1", "--output", str(png)]) == 0
    with Image.open(png) as im:
        assert np.array_equal(flat(np.asarray(im.convert("RGB"))), before)
    # a branch of the branch, from the tree
    more = ["generate", "--from", str(tree_file), "--node", "1", "--at", "4,0", "--choose", "1"]
    assert main([*more, "--output", str(tree_file), "--force"]) == 0
    t = read_tree(tree_file)
    assert len(t) == 3 and t.nodes[2].parent == 1 and t.nodes[2].chosen["sample"] == 0
    capsys.readouterr()
    for bad in (
        ["--at", "9,9", "--choose", "1"],  # outside the picture
        ["--at", "2", "--choose", "1"],  # not a pixel
        ["--at", "2,3", "--choose", "6"],  # not a palette index
        ["--at", "2,3", "--choose", "red"],
        ["--at", "2,3", "--choose", "1", "--sample", "4"],
    ):
        assert main(["generate", "--from", str(first), *bad]) == 2
        assert capsys.readouterr().err.count("\n") == 1, bad


def test_a_text_run_given_a_pixel_is_one_line(tmp_path, capsys):
    from helpers import save_tiny, tiny_char_model

    model = save_tiny(tmp_path / "tiny.safetensors", tiny_char_model())
    run_file = tmp_path / "run.json"
    common = ["generate", "--model", str(model), "--prompt", "hi", "--max-new-tokens", "4"]
    assert main([*common, "--output", str(run_file)]) == 0
    capsys.readouterr()
    assert main(["generate", "--from", str(run_file), "--at", "2,3", "--choose", "a"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "text run; give --at N" in err
