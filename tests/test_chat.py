"""Chat templates of Hugging Face folders against transformers' apply_chat_template: the rendered
text and its token ids for conversations with and without a system message, the card, `generate
--chat` (the rendered prompt, the end of turn) and the refusal of a model without a template.

The folders are tiny models built by tests/llama_helpers.py with templates written here: Qwen2's
ChatML template and a Llama 3 style one.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from llama_helpers import make_folder
from safetensors.torch import load_file, save_file

from studio.cli.main import main
from studio.engine.formats.model_finder import describe, load_model
from studio.engine.text.chat import chat_messages, chat_prompt, render_chat

# Qwen2-Instruct's template
CHATML = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' }}{% endif %}"
    "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
# Llama 3 Instruct's shape: the start token written by the template, headers, trimmed content
LLAMA3 = (
    "{% set loop_messages = messages %}{% for message in loop_messages %}"
    "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'"
    "+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}"
    "{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}"
    "{% else %}{{ raise_exception('an assistant turn must be asked for') }}{% endif %}"
)
CONVERSATIONS = [
    [{"role": "user", "content": "Hello, fox!"}],
    [
        {"role": "system", "content": "Answer in 中文."},
        {"role": "user", "content": "  What does the fox say?\n"},
    ],
    [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello 🙂"},
        {"role": "user", "content": '<b>tags</b> & "quotes"'},
    ],
]


def _with_template(folder: Path, template, eos: str, bos: str | None = None) -> Path:
    config = {"tokenizer_class": "PreTrainedTokenizerFast", "eos_token": eos}
    if bos is not None:
        config["bos_token"] = bos
    if template is not None:
        config["chat_template"] = template
    (folder / "tokenizer_config.json").write_text(json.dumps(config), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("chat")
    qwen = _with_template(make_folder(root / "qwen", "qwen2"), CHATML, "<|im_end|>")
    llama = _with_template(
        make_folder(root / "llama", "llama", sentencepiece=True),
        [
            {"name": "tool_use", "template": "{{ raise_exception('not this one') }}"},
            {"name": "default", "template": LLAMA3},
        ],
        "</s>",
        bos="<s>",
    )
    plain = _with_template(make_folder(root / "plain", "qwen2"), None, "<|endoftext|>")
    return {"qwen": qwen, "llama": llama, "plain": plain}


@pytest.mark.parametrize("name", ["qwen", "llama"])
@pytest.mark.parametrize("which", range(len(CONVERSATIONS)))
def test_rendering_equals_transformers(folders, name, which):
    from transformers import AutoTokenizer

    folder = folders[name]
    messages = CONVERSATIONS[which]
    ref = AutoTokenizer.from_pretrained(folder)
    theirs = ref.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    loaded = load_model(str(folder), device="cpu")
    ours = render_chat(loaded.card["chat"], messages)
    assert ours == theirs
    assert ours.endswith("assistant\n" if name == "qwen" else "assistant<|end_header_id|>\n\n")
    # and the prompt generation encodes gives transformers' token ids (one start token, not two)
    ids = ref.apply_chat_template(messages, tokenize=True, add_generation_prompt=True)
    ids = ids["input_ids"] if not isinstance(ids, list) else ids
    system = messages[0]["content"] if messages[0]["role"] == "system" else None
    if len(messages) - (system is not None) == 1:
        prompt = chat_prompt(loaded, messages[-1]["content"], system)
        assert loaded.tokenizer.encode(prompt) == list(ids)
    if name == "llama":
        assert ours.startswith("<s><|start_header_id|>") and list(ids).count(1) == 1


def test_card_and_models_list_show_the_template(folders):
    for name, expected in (("qwen", True), ("llama", True), ("plain", False)):
        info = describe(folders[name], "folder")
        assert info.to_json()["chat_template"] is expected
    card = describe(folders["llama"], "folder").card
    assert card["chat"]["template"] == LLAMA3 and card["chat"]["source"] == "tokenizer_config.json"
    assert card["chat"]["special_tokens"] == {"bos_token": "<s>", "eos_token": "</s>"}
    assert describe(folders["plain"], "folder").card["chat"] is None


def test_chat_template_jinja_file_wins(folders, tmp_path):
    import shutil

    from transformers import AutoTokenizer

    folder = tmp_path / "qwen-jinja"
    shutil.copytree(folders["qwen"], folder)
    (folder / "chat_template.jinja").write_text(
        "{% for m in messages %}[{{ m.role }}] {{ m.content | tojson }}\n{% endfor %}", "utf-8"
    )
    messages = CONVERSATIONS[2]
    theirs = AutoTokenizer.from_pretrained(folder).apply_chat_template(
        messages, tokenize=False, add_generation_prompt=True
    )
    loaded = load_model(str(folder), device="cpu")
    assert render_chat(loaded.card["chat"], messages) == theirs
    assert '"<b>tags</b> & \\"quotes\\""' in theirs  # tojson without HTML escapes


def test_template_errors_are_one_line(folders):
    from studio.core.errors import SettingsError

    chat = load_model(str(folders["llama"]), device="cpu").card["chat"]
    with pytest.raises(SettingsError, match="refused the conversation: an assistant turn"):
        render_chat(chat, chat_messages("hi"), add_generation_prompt=False)
    with pytest.raises(SettingsError, match="role"):
        render_chat(chat, [{"role": "robot", "content": "x"}])


def _end_turn_likely(folder: Path, tmp_path: Path) -> Path:
    """A copy of the Qwen folder (tied embeddings) whose <|im_end|> row points along the final
    norm's weights, so it is the likely next token and a greedy answer ends soon; only
    tokenizer_config.json's eos_token names it an end (generation_config.json names
    <|endoftext|> alone)."""
    import shutil

    out = tmp_path / "qwen-ends"
    shutil.copytree(folder, out)
    tensors = load_file(out / "model.safetensors")
    tok = json.loads((out / "tokenizer.json").read_text("utf-8"))
    end_ids = {t["content"]: t["id"] for t in tok["added_tokens"]}
    end = end_ids["<|im_end|>"]
    emb = tensors["model.embed_tokens.weight"]
    emb[end] = tensors["model.norm.weight"].sign() * 50.0
    save_file(tensors, out / "model.safetensors", metadata={"format": "pt"})
    gen = json.loads((out / "generation_config.json").read_text("utf-8"))
    gen["eos_token_id"] = end_ids["<|endoftext|>"]
    (out / "generation_config.json").write_text(json.dumps(gen), "utf-8")
    return out


def test_generate_chat_renders_the_prompt_and_stops_at_end_of_turn(folders, tmp_path, capsys):
    folder = _end_turn_likely(folders["qwen"], tmp_path)
    run = tmp_path / "run.json"
    argv = [
        "generate",
        "--model",
        str(folder),
        "--chat",
        "--system",
        "Be brief.",
        "--prompt",
        "Hello, fox!",
        "--temperature",
        "0",
        "--max-new-tokens",
        "20",
        "--output",
        str(run),
    ]
    assert main(argv) == 0
    out = capsys.readouterr()
    expected = render_chat(
        load_model(str(folder), device="cpu").card["chat"],
        chat_messages("Hello, fox!", "Be brief."),
    )
    assert out.out.startswith(expected)
    data = json.loads(run.read_text("utf-8"))
    assert data["prompt"] == expected
    assert data["stop_reason"] == "eos" and data["tokens"] < 20
    tok = load_model(str(folder), device="cpu").tokenizer
    assert tok.token_text(data["trace"][-1]["id"]) == "<|im_end|>"  # ended by the end of turn
    # generation_config.json's end first, then tokenizer_config.json's end of turn
    assert [tok.token_text(i) for i in tok.eos_ids] == ["<|endoftext|>", "<|im_end|>"]


def test_chat_refused_without_template(folders, capsys):
    code = main(["generate", "--model", str(folders["plain"]), "--chat", "--prompt", "hi"])
    err = capsys.readouterr().err
    assert code == 2 and "no chat template" in err and len(err.strip().splitlines()) == 1
    code = main(["generate", "--model", str(folders["plain"]), "--system", "x", "--prompt", "hi"])
    assert code == 2 and "--system is for --chat" in capsys.readouterr().err


def test_end_of_turn_token_ends_generation(folders):
    tok = load_model(str(folders["qwen"]), device="cpu").tokenizer
    assert "<|im_end|>" in [tok.token_text(i) for i in tok.eos_ids]
