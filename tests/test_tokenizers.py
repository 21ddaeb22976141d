"""Tokenizers: Chinese through the character vocabulary, the out-of-vocabulary policy, and byte-level
BPE streaming that releases whole characters only."""

from __future__ import annotations

import helpers
import torch
from torch import nn

from studio.engine.formats.studio_file import LoadedModel
from studio.engine.networks.gpt import GPTConfig
from studio.engine.text.generation import generate_text
from studio.engine.tokenizers import BPETokenizer, CharTokenizer, Utf8Stream
from studio.settings import GenerationSettings, SamplingSettings

EOS = "<|endoftext|>"
TRAIN_LINES = [
    "The quick brown fox jumps over the lazy dog.",
    "春眠不觉晓，处处闻啼鸟。夜来风雨声，花落知多少。",
    "床前明月光，疑是地上霜。举头望明月，低头思故乡。",
]
# characters the BPE never saw in training come out as single bytes, so tokens end mid-character
STREAM_TEXT = "春眠不觉晓，龍飛鳳舞 and the fox。明月光😀！"


def _bpe(vocab_size: int = 300) -> BPETokenizer:
    return BPETokenizer(helpers.train_bpe(TRAIN_LINES, vocab_size, EOS))


class _Cache:
    def __init__(self) -> None:
        self.length = 0

    def reset(self) -> None:
        self.length = 0


class ScriptedModel(nn.Module):
    """A stand-in network whose greedy continuation is a fixed list of ids, one per position."""

    def __init__(self, script: list[int], vocab_size: int, prompt_len: int):
        super().__init__()
        self.config = GPTConfig(
            block_size=512, vocab_size=vocab_size, n_layer=1, n_head=1, n_embd=1
        )
        self.anchor = nn.Parameter(torch.zeros(1))  # generate_text asks the parameters for a device
        self.script = script
        self.prompt_len = prompt_len

    def new_cache(self, batch: int = 1) -> _Cache:
        return _Cache()

    def forward(self, idx: torch.Tensor, cache: _Cache, last_only: bool = False) -> torch.Tensor:
        B, T = idx.shape
        cache.length += T
        step = min(cache.length - self.prompt_len, len(self.script) - 1)
        logits = torch.full((B, 1 if last_only else T, self.config.vocab_size), -10.0)
        logits[..., self.script[step]] = 10.0
        return logits


def _scripted(tok, script: list[int], prompt: str) -> LoadedModel:
    model = ScriptedModel(script, tok.vocab_size, len(tok.encode(prompt) or [0]))
    return LoadedModel(
        name="scripted", path="", kind="text-gpt", card={}, model=model, tokenizer=tok
    )


def _run(loaded: LoadedModel, prompt: str, n: int) -> tuple[list, str]:
    settings = GenerationSettings(
        sampling=SamplingSettings(temperature=0.0), max_new_tokens=n, seed=0, ignore_eos=True
    )
    events = list(generate_text(loaded, prompt, settings))
    tokens = [e for e in events if e.event == "token"]
    done = [e for e in events if e.event == "done"]
    return tokens, done[0].text


def test_char_tokenizer_round_trips_chinese():
    tok = CharTokenizer.from_text("床前明月光，疑是地上霜。 abc\n")
    text = "明月光， abc\n地上霜。"
    ids = tok.encode(text)
    assert len(ids) == len(text) and tok.last_unknown == []
    assert tok.decode(ids) == text
    assert tok.token_bytes(tok.stoi["明"]) == "明".encode()
    again = CharTokenizer.from_card(tok.to_card())
    assert again.chars == tok.chars and again.encode(text) == ids


def test_unknown_characters_are_replaced_or_dropped_and_recorded():
    with_space = CharTokenizer(list(" 明月光ab"))
    ids = with_space.encode("明月 X光😀b")
    assert with_space.decode(ids) == "明月  光 b"  # X and 😀 became spaces
    assert with_space.last_unknown == ["X", "😀"]
    without_space = CharTokenizer(list("明月光ab"), unk=None)
    assert without_space.decode(without_space.encode("明 月X")) == "明月"  # dropped
    assert without_space.last_unknown == [" ", "X"]
    assert without_space.encode("") == [] and without_space.last_unknown == []


def test_unknown_prompt_characters_warn_during_generation():
    tok = CharTokenizer(list(" 明月光ab"))
    loaded = _scripted(tok, tok.encode("月光"), "明X")
    settings = GenerationSettings(sampling=SamplingSettings(temperature=0.0), max_new_tokens=2)
    events = list(generate_text(loaded, "明X", settings))
    warnings = [e.message for e in events if e.event == "warning"]
    assert len(warnings) == 1 and "X" in warnings[0]
    assert events[-1].text == "月光"


def test_bpe_round_trips_and_token_bytes_are_exact():
    tok = _bpe()
    ids = tok.encode(STREAM_TEXT)
    assert tok.decode(ids) == STREAM_TEXT
    assert b"".join(tok.token_bytes(i) for i in ids) == STREAM_TEXT.encode()
    assert tok.eos_id is not None and tok.token_bytes(tok.eos_id) == EOS.encode()


def test_bpe_streaming_releases_whole_characters_only():
    tok = _bpe()
    ids = tok.encode(STREAM_TEXT)
    # the test means something only if some token stops inside a character
    split = [i for i in ids if _incomplete(tok.token_bytes(i))]
    assert split, "expected tokens that end mid-character"
    tokens, done = _run(_scripted(tok, ids, "x"), "x", len(ids))
    pieces = [e.text for e in tokens]
    assert [e.id for e in tokens] == ids
    assert all("\ufffd" not in p for p in pieces)
    assert "" in pieces  # held back while a character was incomplete
    assert "".join(pieces) == STREAM_TEXT == tok.decode(ids) == done


def test_bpe_streaming_of_broken_bytes_matches_replacement_decoding():
    tok = _bpe()
    ids = tok.encode("龍飛")
    broken = ids[1:] + ids[:1]  # starts with a continuation byte, ends with a lead byte
    tokens, done = _run(_scripted(tok, broken, "x"), "x", len(broken))
    expected = b"".join(tok.token_bytes(i) for i in broken).decode("utf-8", errors="replace")
    assert "".join(e.text for e in tokens) == expected == done


def test_utf8_stream_holds_back_a_token_that_ends_mid_character():
    tok = _bpe()
    ids = tok.encode("龍")  # unseen in training: one token per byte
    assert len(ids) == 3
    stream = Utf8Stream(tok)
    assert stream.put(ids[0]) == ""
    assert stream.put(ids[1]) == ""
    assert stream.put(ids[2]) == "龍"
    assert stream.end() == ""
    # an unfinished character at the end comes out as one replacement character, not silence
    cut = Utf8Stream(tok)
    assert cut.put(ids[0]) + cut.put(ids[1]) == ""
    assert cut.end() == "\ufffd"
    assert Utf8Stream(tok).feed_all(tok.encode(STREAM_TEXT)) == STREAM_TEXT


def _incomplete(b: bytes) -> bool:
    try:
        b.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False
