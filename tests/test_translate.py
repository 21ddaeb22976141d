"""The English→Chinese encoder–decoder: its cache, its search, its attention, its training, its
data split and its command line, on tiny random models and a tiny corpus."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch

from studio.cli.main import main
from studio.core.errors import SettingsError
from studio.engine.formats.model_finder import list_models, load_model
from studio.engine.networks.seq2seq import Seq2Seq, Seq2SeqConfig
from studio.engine.text.translation import cross_attention, translate
from studio.engine.text.translation_data import read_pairs, split_pairs
from studio.engine.text.translation_search import banned_ids, beam_search, greedy_batch
from studio.settings import GenerationSettings

EN = ["I see a cat.", "We like tea.", "He runs fast.", "She is here.", "Where is it?"]
ZH = ["我看见一只猫。", "我们喜欢茶。", "他跑得快。", "她在这里。", "它在哪里？"]
TINY = dict(src_vocab=40, tgt_vocab=30, d_model=32, n_head=4, enc_layers=2, dec_layers=2, d_ff=48)


def gs(**values) -> GenerationSettings:
    return GenerationSettings.from_values(values)


def tiny_model(seed: int = 0, **kw) -> Seq2Seq:
    torch.manual_seed(seed)
    return Seq2Seq(Seq2SeqConfig(**(TINY | dict(max_src=12, max_tgt=10) | kw))).eval()


def write_corpus(folder: Path, n: int = 60) -> Path:
    """Tatoeba's layout (BOM, three columns); some English sentences with two translations."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for i in range(n):
        en, zh = EN[i % len(EN)], ZH[i % len(ZH)]
        lines.append(f"{en[:-1]} {i}{en[-1]}\t{zh[:-1]}{i}{zh[-1]}\tCC-BY 2.0 (France) #{i}")
        if i % 4 == 0:  # a second translation, traditional characters to be simplified
            lines.append(f"{en[:-1]} {i}{en[-1]}\t這是{i}。\tCC-BY 2.0 (France) #{i}b")
    (folder / "cmn.txt").write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    return folder


def test_cached_decoding_equals_uncached():
    model = tiny_model()
    src = torch.tensor([[5, 6, 7, 8, 0, 0], [3, 4, 5, 6, 7, 9]])  # the first padded
    tgt = torch.randint(1, 30, (2, 10))
    with torch.inference_mode():
        full = model(src, tgt)  # (2, 10, V), uncached
        cache = model.new_cache(model.encode(src), src)
        for t in range(10):
            step = model.step(tgt[:, t], cache)
            assert torch.allclose(step, full[:, t], atol=1e-5), t
        # a prefix in one pass, then steps: the same again
        cache = model.new_cache(model.encode(src), src)
        first = model.decode(tgt[:, :4], cache)
        rest = torch.stack([model.step(tgt[:, t], cache) for t in range(4, 10)], dim=1)
    assert torch.allclose(torch.cat([first, rest], dim=1), full, atol=1e-5)


def test_padding_changes_nothing():
    model = tiny_model()
    with torch.inference_mode():
        alone = model(torch.tensor([[5, 6, 7]]), torch.tensor([[1, 4, 9]]))
        padded = model(torch.tensor([[5, 6, 7, 0, 0]]), torch.tensor([[1, 4, 9]]))
    assert torch.allclose(alone, padded, atol=1e-6)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_beam_width_one_is_greedy(seed):
    model = tiny_model(seed)
    sources = [[5, 6, 7], [9, 3, 11, 12, 4], [20]]
    greedy = greedy_batch(model, sources, bos=1, eos=2)
    for src, g in zip(sources, greedy, strict=True):
        assert beam_search(model, src, bos=1, eos=2, width=1).ids == g
        assert greedy_batch(model, [src], bos=1, eos=2)[0] == g  # batching changes nothing


@pytest.mark.parametrize("seed", [5, 6])
def test_beam_scores_are_the_models_log_probabilities(seed):
    """The reordered cache follows each beam: the winner's summed log-probability is the one an
    uncached pass gives its tokens."""
    model = tiny_model(seed)
    src = [5, 6, 7, 8]
    best = beam_search(model, src, 1, 2, width=4)
    ids = best.ids + ([2] if best.ended else [])
    with torch.inference_mode():
        logits = model(torch.tensor([src]), torch.tensor([[1, *ids[:-1]]]))[0]
    logp = logits.log_softmax(-1)[torch.arange(len(ids)), torch.tensor(ids)].sum().item()
    assert logp == pytest.approx(best.logprob, abs=1e-4)


def test_cross_attention_is_what_the_model_used():
    model = tiny_model(3)
    src = torch.tensor([[5, 6, 7, 8, 0]])  # one padded position
    tgt = torch.tensor([[1, 4, 9, 12]])
    captured: dict = {}
    hooks = []
    for i, layer in enumerate(model.decoder):
        hooks.append(
            layer.cross.q.register_forward_hook(lambda m, a, o, i=i: captured.update({("q", i): o}))
        )
        hooks.append(
            layer.cross.kv.register_forward_hook(
                lambda m, a, o, i=i: captured.update({("kv", i): o})
            )
        )
    with torch.inference_mode():
        plain = model(src, tgt)
        cross, dec_self, enc = model.attention(src, tgt)
        weighted = model.decode(
            tgt, model.new_cache(model.encode(src), src), weights=[], use_cache=False
        )
    for h in hooks:
        h.remove()
    L, nh, hs = 2, 4, 8
    assert cross.shape == (L, 1, nh, 4, 5) and dec_self.shape == (L, 1, nh, 4, 4)
    assert torch.allclose(cross.sum(-1), torch.ones(L, 1, nh, 4), atol=1e-6)
    assert cross[..., 4].abs().max() == 0  # the padding gets nothing
    assert torch.triu(dec_self[0, 0, 0], 1).abs().max() == 0  # causal
    # by hand from the layer's own queries and keys
    for i in range(L):
        q = captured[("q", i)].view(1, 4, nh, hs).transpose(1, 2)
        k = captured[("kv", i)].view(1, 5, 2, nh, hs)[:, :, 0].transpose(1, 2)
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(hs)
        scores[..., 4] = float("-inf")
        assert torch.allclose(scores.softmax(-1), cross[i], atol=1e-6)
    # the outputs made from these weights are the model's outputs
    assert torch.allclose(weighted, plain, atol=1e-5)


def test_split_keeps_each_english_sentence_on_one_side(tmp_path):
    pairs = read_pairs(write_corpus(tmp_path / "data"))
    assert pairs[0][0] == "I see a cat 0."  # the byte-order mark is gone
    assert "这是0。" in [zh for _, zh in pairs]  # simplified
    train, held = split_pairs(pairs, 10, seed=7)
    assert len(held) == 10 and len(train) + len(held) == len(pairs)
    assert not {en for en, _ in train} & {en for en, _ in held}
    assert split_pairs(pairs, 10, seed=7) == (train, held)  # fixed by the seed


def test_split_of_the_shared_corpus():
    folder = Path(__file__).resolve().parents[2] / "shared" / "data" / "tatoeba-cmn-eng"
    if not (folder / "cmn.txt").is_file():
        pytest.skip("the shared Tatoeba corpus is not here")
    train, held = split_pairs(read_pairs(folder), 1000, seed=1337)
    assert len(held) == 1000
    assert not {en for en, _ in train} & {en for en, _ in held}


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    """A tiny translation model trained a few steps by the command line, then resumed."""
    d = tmp_path_factory.mktemp("translate")
    data = write_corpus(d / "data")
    out = d / "models" / "tiny-zh.safetensors"
    out.parent.mkdir()
    sets = [
        f"{k}={v}"
        for k, v in (TINY | dict(src_vocab=300, max_src=24, max_tgt=16, batch_tokens=200)).items()
        if k != "tgt_vocab"
    ]
    base = ["train", "translate", "--data", str(data), "--out", str(out), "--heldout", "10"]
    flags = ["--eval-interval", "2", "--beam", "2", "--threads", "1", "--device", "cpu"]
    for s in sets:
        flags += ["--set", s]
    assert main([*base, *flags, "--max-steps", "4"]) == 0
    first = json.loads(_card(out))
    assert first["training"]["steps"] == 4
    assert main([*base, *flags, "--max-steps", "6", "--resume"]) == 0
    return out


def _card(path: Path) -> str:
    from studio.engine.formats.studio_file import read_card

    return json.dumps(read_card(path))


def test_training_resumes_and_writes_a_card(trained):
    card = json.loads(_card(trained))
    assert card["kind"] == "translate-seq2seq"
    assert card["training"]["steps"] == 6
    assert card["training"]["command"].count(" && ") == 1  # the run, then its resumption
    m = card["metrics"]
    assert m["heldout_pairs"] == 10
    for key in ("bleu_greedy", "chrf_greedy", "bleu_beam2", "chrf_beam2"):
        assert 0.0 <= m[key] <= 100.0
    assert card["data"]["heldout_pairs"] == 10 and card["data"]["train_pairs"] > 50


def test_model_loads_lists_and_translates(trained, monkeypatch):
    monkeypatch.setenv("AIGC_STUDIO_MODELS", str(trained.parent))
    names = {m.name: m.kind for m in list_models()[0]}
    assert names["tiny-zh"] == "translate-seq2seq"
    loaded = load_model("tiny-zh", device="cpu")
    events = list(translate(loaded, "I see a cat.", gs(temperature=0)))
    tokens = [e for e in events if e.event == "token"]
    done = [e for e in events if e.event == "done"][0]
    assert done.text == "".join(t.text for t in tokens)
    assert all(t.prob == 1.0 and 0.0 < t.model_prob <= 1.0 and len(t.top) == 5 for t in tokens)
    # greedy events equal beam search of width 1, token for token
    model, tok = loaded.model, loaded.tokenizer
    src = loaded.extras["source_tokenizer"].encode("I see a cat.")
    best = beam_search(model, src, tok.stoi["\x02"], tok.stoi["\x03"], 1, banned=banned_ids(tok))
    assert best.ids + ([tok.stoi["\x03"]] if best.ended else []) == [t.id for t in tokens]
    b1 = [e for e in translate(loaded, "I see a cat.", GenerationSettings(), beam=2)]
    assert b1[-1].event == "done" and b1[-1].stop_reason in ("eos", "length")
    # the cross-attention of the finished pair
    att = cross_attention(loaded, "I see a cat.", done.text)
    L, H = 2, 4
    rows = len(done.text) + (1 if done.stop_reason == "eos" else 0)
    assert att.cross.shape == (L, H, rows, len(att.source_tokens))
    assert "".join(att.target_tokens).removesuffix("</s>") == done.text
    assert abs(att.average.sum(-1) - 1).max() < 1e-5


def test_bad_sources(trained):
    loaded = load_model(str(trained), device="cpu")
    with pytest.raises(SettingsError, match="empty"):
        list(translate(loaded, "   "))
    long = " ".join(["cat"] * 100)
    events = list(translate(loaded, long, gs(temperature=0, max_new_tokens=3)))
    assert any(e.event == "warning" and "only the first 24" in e.message for e in events)
    with pytest.raises(SettingsError, match="beam"):
        list(translate(loaded, "hi", beam=0))


def test_command_line(trained, capsys, tmp_path):
    path = str(trained)
    assert (
        main(["generate", "--model", path, "--source", "I see a cat.", "--temperature", "0"]) == 0
    )
    greedy = capsys.readouterr().out.strip()
    assert (
        main(
            [
                "generate",
                "--model",
                path,
                "--source",
                "I see a cat.",
                "--beam",
                "1",
                "--temperature",
                "0",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out.strip() == greedy
    assert (
        main(
            [
                "generate",
                "--model",
                path,
                "--source",
                "I see a cat.",
                "--beam",
                "3",
                "--format",
                "jsonl",
            ]
        )
        == 0
    )
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert lines[0]["event"] == "start" and lines[0]["settings"]["beam"] == 3
    assert lines[-1]["event"] == "done"
    # one clear line for each misuse
    for argv, said in (
        (["--source", ""], "empty"),
        ([], "--source"),
        (["--source", "x", "--prompt", "y"], "--prompt"),
    ):
        assert main(["generate", "--model", path, *argv]) == 2
        err = capsys.readouterr().err
        assert said in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    # eval reproduces the card's metrics on the same split
    data = trained.parent.parent / "data"
    assert main(["eval", "--model", path, "--data", str(data), "--beam", "2", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    card = json.loads(_card(trained))["metrics"]
    for key in ("bleu_greedy", "chrf_greedy", "bleu_beam2", "heldout_loss_nats_per_token"):
        assert r[key] == pytest.approx(card[key], abs=0.02), key


def test_text_models_refuse_source(capsys, models):
    assert main(["generate", "--model", "tiny", "--source", "hi"]) == 2
    err = capsys.readouterr().err
    assert "--source is for translation models" in err and len(err.strip().splitlines()) == 1


def test_stages_of_a_translation_step(trained):
    from studio.engine.text.sampling_stages import sampling_stages

    loaded = load_model(str(trained), device="cpu")
    settings = gs(temperature=0.9, top_k=5, repetition_penalty=1.3, seed=4, max_new_tokens=6)
    tokens = [e for e in translate(loaded, "We like tea.", settings) if e.event == "token"]
    ids = [t.id for t in tokens]
    for step, t in enumerate(tokens):
        stages = sampling_stages(loaded, "We like tea.", ids[: step + 1], settings)
        assert [s.name for s in stages] == ["model", "repetition penalty", "temperature", "top-k"]
        assert stages[0].chosen_prob == pytest.approx(t.model_prob, abs=1e-5)
        assert stages[-1].chosen_prob == pytest.approx(t.prob, abs=1e-5)
