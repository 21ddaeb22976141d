"""Tiny Llama-family folders (Llama, Qwen2, Qwen3) saved by transformers, and tiny tokenizers.

Everything is built locally in temporary folders; nothing is downloaded. transformers is a test-only
dependency.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

LINES = [
    "The quick brown fox jumps over the lazy dog.",
    "To be, or not to be, that is the question.",
    "def area(r):\n    return 3.14159 * r * r\n",
    "for i in range(10):\n\tprint(i, i ** 2)\n",
    "春眠不觉晓，处处闻啼鸟。夜来风雨声，花落知多少。",
    "你好，世界！语言模型一次写一个词。",
]
# English, Chinese, emoji, code, runs of spaces and newlines
TEXT = (
    "Hello  world!   The fox 看见 the moon, 明月 🙂🚀.\n\n\n"
    "def f(x):\n        return x  *  2   # 注释\n\tnaïve café\n  \n end  "
)
PROMPT = "The fox 看见 the moon, 明月"
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]


def byte_level_tokenizer(vocab_size: int = 400) -> str:
    """Qwen / Llama 3 style: byte-level BPE with added special tokens; its tokenizer.json."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIALS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(LINES * 4, trainer)
    return tok.to_str()


def sentencepiece_tokenizer(vocab_size: int = 200) -> str:
    """Llama 2 / TinyLlama style: "▁" for spaces, `<0xNN>` byte fallback, `<s>` added in front."""
    from tokenizers import (
        AddedToken,
        Tokenizer,
        decoders,
        models,
        normalizers,
        processors,
        trainers,
    )

    normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
    learner = Tokenizer(models.BPE())
    learner.normalizer = normalizer
    learner.train_from_iterator(
        LINES * 4, trainers.BpeTrainer(vocab_size=vocab_size, show_progress=False)
    )
    learned = json.loads(learner.to_str())["model"]
    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2}
    for b in range(256):
        vocab[f"<0x{b:02X}>"] = len(vocab)
    for piece in sorted(learned["vocab"], key=learned["vocab"].get):
        vocab.setdefault(piece, len(vocab))
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in learned["merges"]]
    tok = Tokenizer(
        models.BPE(vocab=vocab, merges=merges, byte_fallback=True, unk_token="<unk>", fuse_unk=True)
    )
    tok.add_special_tokens(
        [AddedToken(t, normalized=False, special=True) for t in ("<unk>", "<s>", "</s>")]
    )
    tok.normalizer = normalizer
    tok.decoder = decoders.Sequence(
        [
            decoders.Replace("▁", " "),
            decoders.ByteFallback(),
            decoders.Fuse(),
            decoders.Strip(" ", 1, 0),
        ]
    )
    tok.post_processor = processors.TemplateProcessing(single="<s> $A", special_tokens=[("<s>", 1)])
    return tok.to_str()


def hf_config(arch: str, vocab_size: int, eos: list[int]):
    """A tiny transformers config of one family, with what makes that family different."""
    from transformers import LlamaConfig, Qwen2Config, Qwen3Config

    common = dict(
        vocab_size=vocab_size,
        hidden_size=64,
        intermediate_size=112,
        num_hidden_layers=2,
        max_position_embeddings=128,
        eos_token_id=eos[0],
        bos_token_id=eos[0],
        # wide random weights spread the logits, so greedy choices are not near-ties that float
        # rounding could flip
        initializer_range=0.3,
    )
    if arch == "llama":  # grouped-query attention and llama3 rope scaling
        return LlamaConfig(
            **common,
            num_attention_heads=4,
            num_key_value_heads=2,
            rope_parameters={
                "rope_type": "llama3",
                "rope_theta": 500.0,
                "factor": 8.0,
                "low_freq_factor": 1.0,
                "high_freq_factor": 4.0,
                "original_max_position_embeddings": 16,
            },
        )
    if arch == "qwen2":  # q/k/v biases, tied embeddings, a single key/value head
        return Qwen2Config(
            **common, num_attention_heads=4, num_key_value_heads=1, tie_word_embeddings=True
        )
    # qwen3: q/k norms, a head_dim that is not hidden_size / heads
    return Qwen3Config(**common, num_attention_heads=4, num_key_value_heads=2, head_dim=32)


def make_folder(
    folder: Path,
    arch: str,
    dtype: torch.dtype = torch.float32,
    sharded: bool = False,
    sentencepiece: bool = False,
    seed: int = 0,
) -> Path:
    """A tiny random model of `arch` ("llama", "qwen2", "qwen3") saved by save_pretrained, with its
    tokenizer.json and a generation_config.json naming two end ids and sampling defaults."""
    from transformers import AutoModelForCausalLM, GenerationConfig

    folder.mkdir(parents=True)
    tj = sentencepiece_tokenizer() if sentencepiece else byte_level_tokenizer()
    (folder / "tokenizer.json").write_text(tj, encoding="utf-8")
    from tokenizers import Tokenizer

    size = Tokenizer.from_str(tj).get_vocab_size(with_added_tokens=True)
    ids = {t["content"]: t["id"] for t in json.loads(tj)["added_tokens"]}
    eos = [ids["</s>"]] if sentencepiece else [ids["<|im_end|>"], ids["<|endoftext|>"]]
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(hf_config(arch, size + 3, eos)).eval()
    model.generation_config = GenerationConfig(
        eos_token_id=eos if len(eos) > 1 else eos[0],
        do_sample=True,
        temperature=0.7,
        top_k=20,
        top_p=0.8,
        repetition_penalty=1.05,
    )
    model = model.to(dtype)
    model.save_pretrained(folder, max_shard_size="60KB" if sharded else "5GB")
    (folder / "README.md").write_text(
        "---\nlicense: apache-2.0\nbase_model:\n  - example/tiny-base\n---\n# A tiny test model\n",
        encoding="utf-8",
    )
    return folder


def reference(folder: Path):
    """transformers' own model from the folder, computing in float32."""
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
