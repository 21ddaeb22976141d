"""Tiny GGUF files written with gguf's own writer, laid out as llama.cpp's converter lays them out.

A model of each family: `llama` (grouped-query attention, q and k rows permuted into llama.cpp's
interleaved rotary order), `qwen2` (q/k/v biases, tied embeddings) and `qwen3` (q/k norms, a head
width of 128, which transformers assumes for a Qwen3 GGUF). Tensors are stored in the asked ggml
type: F32, F16 and BF16 as values, Q8_0 and Q4_0 through `gguf.quants.quantize`, and the K-quants
(which the package can read but not write) as random blocks whose scales are finite. Sizes are
multiples of 256 so that every type fits. Nothing is downloaded.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from llama_helpers import byte_level_tokenizer, sentencepiece_tokenizer

CHAT = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def _k_blocks(rng: np.random.Generator, rows: int, cols: int, qtype) -> np.ndarray:
    """Random K-quant blocks (rows, cols // 256 * block bytes) whose f16 scales are finite (random
    bytes there could be NaN) and sized for weights of about 0.1."""
    from gguf import GGMLQuantizationType as Q
    from gguf.constants import GGML_QUANT_SIZES

    _, size = GGML_QUANT_SIZES[qtype]
    n = rows * cols // 256
    raw = rng.integers(0, 256, size=(n, size), dtype=np.uint8)
    # the largest d for weights of about 0.1 (Q6_K: int8 scales times 6-bit values)
    top = {Q.Q4_K: 6e-4, Q.Q5_K: 3e-4, Q.Q6_K: 1e-4}[qtype]
    scale = rng.uniform(top / 3, top, size=(n, 1)).astype(np.float16).view(np.uint8)
    if qtype in (Q.Q4_K, Q.Q5_K):  # d, dmin lead the block: w = d * scale * q - dmin * min
        raw[:, 0:2] = scale
        # each sub-block's 6-bit min made equal to its scale (of the 12 scale bytes after d and
        # dmin, bytes 4-7 repeat 0-3 and bytes 8-11 hold scale and min in their two nibbles), and
        # dmin = d times q's middle (7.5 for 4 bits, 15.5 for 5): every sub-block's weights are
        # centred on 0, as quantised weights are
        raw[:, 12:16] = (raw[:, 12:16] & 0x0F) * 0x11
        raw[:, 8:12] = raw[:, 4:8]
        centre = 7.5 if qtype == Q.Q4_K else 15.5
        raw[:, 2:4] = (scale.view(np.float16) * centre).view(np.uint8)
    else:  # Q6_K: d ends the block; its 16 scales are int8 and fine as they come
        raw[:, size - 2 : size] = scale
    return raw.reshape(rows, cols // 256 * size)


def add_weight(writer, rng, name: str, value: np.ndarray, qtype_name: str) -> None:
    """Store `value` (out, in) as `qtype_name`; 1-D tensors (norms, biases) always as F32."""
    from gguf import GGMLQuantizationType as Q
    from gguf import quants

    qtype = Q[qtype_name]
    if value.ndim == 1 or qtype == Q.F32:
        writer.add_tensor(name, value.astype(np.float32))
    elif qtype == Q.F16:
        writer.add_tensor(name, value.astype(np.float16))
    elif qtype in (Q.Q4_K, Q.Q5_K, Q.Q6_K):
        rows, cols = value.shape
        writer.add_tensor(name, _k_blocks(rng, rows, cols, qtype), raw_dtype=qtype)
    else:
        writer.add_tensor(name, quants.quantize(value.astype(np.float32), qtype), raw_dtype=qtype)


def permute(w: np.ndarray, n_head: int) -> np.ndarray:
    """llama.cpp's converter's reordering of q/k rows (half-split rotary -> interleaved pairs)."""
    return (
        w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:])
        .swapaxes(1, 2)
        .reshape(w.shape)
    )


def _tokenizer(writer, sentencepiece: bool) -> tuple[int, dict[str, int]]:
    """Write the tokenizer metadata of one of the tiny tokenizers; (vocab size, special ids)."""
    from gguf import TokenType

    spec = json.loads(sentencepiece_tokenizer() if sentencepiece else byte_level_tokenizer())
    vocab = dict(spec["model"]["vocab"])
    specials = {t["content"]: t["id"] for t in spec["added_tokens"]}
    vocab.update(specials)
    tokens = [t for t, _ in sorted(vocab.items(), key=lambda kv: kv[1])]
    assert tokens == [tokens[i] for i in range(len(tokens))] and len(set(vocab.values())) == len(
        tokens
    )
    types, scores = [], []
    for i, t in enumerate(tokens):
        if t in specials:
            types.append(TokenType.UNKNOWN if t == "<unk>" else TokenType.CONTROL)
        elif sentencepiece and t.startswith("<0x") and len(t) == 6:
            types.append(TokenType.BYTE)
        else:
            types.append(TokenType.NORMAL)
        scores.append(0.0 if types[-1] != TokenType.NORMAL else -float(i))
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    if sentencepiece:  # llama.cpp's SentencePiece vocabulary: scores, no merges
        writer.add_tokenizer_model("llama")
        writer.add_tokenizer_pre("default")
        writer.add_token_scores(scores)
        writer.add_bos_token_id(specials["<s>"])
        writer.add_eos_token_id(specials["</s>"])
        writer.add_unk_token_id(specials["<unk>"])
    else:
        writer.add_tokenizer_model("gpt2")
        writer.add_tokenizer_pre("qwen2")
        merges = [m if isinstance(m, str) else " ".join(m) for m in spec["model"]["merges"]]
        writer.add_token_merges(merges)
        writer.add_bos_token_id(specials["<|endoftext|>"])
        writer.add_eos_token_id(specials["<|im_end|>"])
        writer.add_pad_token_id(specials["<|endoftext|>"])
        writer.add_add_bos_token(False)
        writer.add_chat_template(CHAT)
    return len(tokens), specials


def write_gguf(
    path: Path,
    arch: str = "llama",
    qtype: str = "F32",
    sentencepiece: bool | None = None,
    seed: int = 0,
    layers: int = 2,
    metadata: bool = True,
    dim: int = 256,
    ffn: int = 512,
) -> Path:
    """A tiny random `arch` model in one GGUF file, its matrices stored as `qtype` (the output as
    well; the embedding too, but as Q8_0 for a K-quant), norms and biases as F32."""
    import gguf

    rng = np.random.default_rng(seed)
    writer = gguf.GGUFWriter(str(path), arch)
    if sentencepiece is None:
        sentencepiece = arch == "llama"
    vocab, _ = _tokenizer(writer, sentencepiece)
    n_head, n_kv, hd = {"llama": (4, 2, 64), "qwen2": (4, 1, 64), "qwen3": (2, 1, 128)}[arch]
    n_head, n_kv = n_head * dim // 256, n_kv * dim // 256  # wider models, more heads
    writer.add_name(f"Tiny {arch}")
    if metadata:
        writer.add_license("apache-2.0")
        writer.add_source_url("https://example.org/tiny")
    writer.add_context_length(128)
    writer.add_embedding_length(dim)
    writer.add_block_count(layers)
    writer.add_feed_forward_length(ffn)
    writer.add_head_count(n_head)
    writer.add_head_count_kv(n_kv)
    writer.add_rope_freq_base(500.0 if arch == "llama" else 10000.0)
    writer.add_layer_norm_rms_eps(1e-5 if arch == "llama" else 1e-6)
    if arch == "llama":
        writer.add_rope_dimension_count(hd)
    else:
        writer.add_key_length(hd)
        writer.add_value_length(hd)
    file_type = {"F32": "ALL_F32", "Q4_K": "MOSTLY_Q4_K_M", "Q5_K": "MOSTLY_Q5_K_M"}.get(qtype)
    writer.add_file_type(int(gguf.LlamaFileType[file_type or f"MOSTLY_{qtype}"]))

    def mat(rows: int, cols: int, scale: float = 0.3) -> np.ndarray:
        # wide weights spread the logits so greedy choices are not near-ties
        return rng.normal(0, scale, size=(rows, cols)).astype(np.float32)

    def vec(n: int, around: float = 1.0) -> np.ndarray:
        return (around + rng.normal(0, 0.1, size=n)).astype(np.float32)

    # a K-quant file keeps its embedding in Q8_0 (as llama.cpp's mixes keep it in a finer type
    # than the blocks): random K blocks there make a model that repeats one token
    embd_type = "Q8_0" if qtype.endswith("_K") else qtype
    add_weight(writer, rng, "token_embd.weight", mat(vocab, dim), embd_type)
    for i in range(layers):
        b = f"blk.{i}."
        q, k = mat(n_head * hd, dim, 0.1), mat(n_kv * hd, dim, 0.1)
        if arch == "llama":
            q, k = permute(q, n_head), permute(k, n_kv)
        add_weight(writer, rng, b + "attn_norm.weight", vec(dim), qtype)
        add_weight(writer, rng, b + "attn_q.weight", q, qtype)
        add_weight(writer, rng, b + "attn_k.weight", k, qtype)
        add_weight(writer, rng, b + "attn_v.weight", mat(n_kv * hd, dim, 0.1), qtype)
        if arch == "qwen2":
            for n, width in (("q", n_head * hd), ("k", n_kv * hd), ("v", n_kv * hd)):
                add_weight(writer, rng, b + f"attn_{n}.bias", vec(width, 0.0), qtype)
        if arch == "qwen3":
            add_weight(writer, rng, b + "attn_q_norm.weight", vec(hd), qtype)
            add_weight(writer, rng, b + "attn_k_norm.weight", vec(hd), qtype)
        add_weight(writer, rng, b + "attn_output.weight", mat(dim, n_head * hd, 0.1), qtype)
        add_weight(writer, rng, b + "ffn_norm.weight", vec(dim), qtype)
        add_weight(writer, rng, b + "ffn_gate.weight", mat(ffn, dim, 0.1), qtype)
        add_weight(writer, rng, b + "ffn_up.weight", mat(ffn, dim, 0.1), qtype)
        add_weight(writer, rng, b + "ffn_down.weight", mat(dim, ffn, 0.1), qtype)
    add_weight(writer, rng, "output_norm.weight", vec(dim), qtype)
    if arch != "qwen2":  # qwen2's output is the embedding (tied), so llama.cpp stores none
        add_weight(writer, rng, "output.weight", mat(vocab, dim, 0.1), qtype)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


HF_BLOCK = {
    "input_layernorm": "attn_norm",
    "self_attn.q_proj": "attn_q",
    "self_attn.k_proj": "attn_k",
    "self_attn.v_proj": "attn_v",
    "self_attn.o_proj": "attn_output",
    "self_attn.q_norm": "attn_q_norm",
    "self_attn.k_norm": "attn_k_norm",
    "post_attention_layernorm": "ffn_norm",
    "mlp.gate_proj": "ffn_gate",
    "mlp.up_proj": "ffn_up",
    "mlp.down_proj": "ffn_down",
}


def rope_freqs(head_dim: int, theta: float, rope: dict) -> np.ndarray:
    """llama.cpp's converter's `rope_freqs` for Llama 3 rope scaling: one divisor per frequency."""
    factor, old = rope["factor"], rope["original_max_position_embeddings"]
    low, high = rope["low_freq_factor"], rope["high_freq_factor"]
    out = []
    for freq in 1.0 / theta ** (np.arange(0, head_dim, 2, dtype=np.float32) / head_dim):
        wavelen = 2 * np.pi / freq
        if wavelen < old / high:
            out.append(1.0)
        elif wavelen > old / low:
            out.append(factor)
        else:
            smooth = (old / wavelen - low) / (high - low)
            out.append(1 / ((1 - smooth) / factor + smooth))
    return np.array(out, dtype=np.float32)


def from_folder(folder: Path, path: Path, qtype: str = "F32") -> Path:
    """Convert a tiny Hugging Face folder (llama_helpers.make_folder) as llama.cpp's converter
    does: renamed tensors, q/k rows of `llama` permuted, Llama 3 rope scaling as `rope_freqs`."""
    import gguf
    from safetensors.numpy import load_file

    cfg = json.loads((folder / "config.json").read_text())
    arch = cfg["model_type"]
    rng = np.random.default_rng(0)
    writer = gguf.GGUFWriter(str(path), arch)
    _tokenizer(writer, sentencepiece=arch == "llama")
    n_head, n_kv = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    head_dim = cfg.get("head_dim") or cfg["hidden_size"] // n_head
    rope = cfg.get("rope_parameters") or {"rope_theta": cfg.get("rope_theta", 10000.0)}
    writer.add_context_length(cfg["max_position_embeddings"])
    writer.add_embedding_length(cfg["hidden_size"])
    writer.add_block_count(cfg["num_hidden_layers"])
    writer.add_feed_forward_length(cfg["intermediate_size"])
    writer.add_head_count(n_head)
    writer.add_head_count_kv(n_kv)
    writer.add_rope_freq_base(rope["rope_theta"])
    writer.add_layer_norm_rms_eps(cfg["rms_norm_eps"])
    writer.add_key_length(head_dim)
    writer.add_vocab_size(cfg["vocab_size"])
    if rope.get("rope_type") == "llama3":
        writer.add_tensor("rope_freqs.weight", rope_freqs(head_dim, rope["rope_theta"], rope))
    tensors = {}
    for f in sorted(folder.glob("*.safetensors")):
        tensors.update(load_file(f))
    for name, value in tensors.items():
        value = value.astype(np.float32)
        if name == "model.embed_tokens.weight":
            gname = "token_embd.weight"
        elif name == "model.norm.weight":
            gname = "output_norm.weight"
        elif name == "lm_head.weight":
            gname = "output.weight"
        else:
            _, _, i, rest = name.split(".", 3)
            module, kind = rest.rsplit(".", 1)
            gname = f"blk.{i}.{HF_BLOCK[module]}.{kind}"
            if arch == "llama" and module in ("self_attn.q_proj", "self_attn.k_proj"):
                value = permute(value, n_head if module == "self_attn.q_proj" else n_kv)
        add_weight(writer, rng, gname, value, qtype)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def reference(path: Path):
    """transformers' model from the same file, as `from_pretrained(gguf_file=...)` builds it for
    these architectures (its GGUF loader, which dequantises with the gguf package), in float32.
    (from_pretrained itself also wants accelerate, which the tests do not need otherwise.)"""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM
    from transformers.modeling_gguf_pytorch_utils import load_gguf_checkpoint

    config = AutoConfig.from_pretrained(str(path.parent), gguf_file=path.name)
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    tensors = load_gguf_checkpoint(
        str(path), return_tensors=True, model_to_load=model, torch_dtype=torch.float32
    )["tensors"]
    missing, unexpected = model.load_state_dict(tensors, strict=False)
    assert not unexpected and set(missing) <= {"lm_head.weight"}, (missing, unexpected)
    if "lm_head.weight" in missing:
        assert config.tie_word_embeddings
        model.tie_weights()
    return model.eval()


def reference_tokenizer(path: Path):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)
