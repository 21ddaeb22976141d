"""Reading a Hugging Face folder's chat template for its card (rendering is studio.engine.text.chat).

A folder's tokenizer_config.json may hold a Jinja `chat_template` (a string, or a list of named
templates of which "default" is used); a chat_template.jinja file beside it wins, as in
transformers. The card keeps the template with the special tokens (`bos_token`, `eos_token`, ...)
transformers hands it as variables.
"""

from __future__ import annotations

from pathlib import Path

from studio.core.errors import ModelFileError

MAX_TEMPLATE_BYTES = 1024 * 1024
# the special tokens transformers passes to a template (its special_tokens_map)
SPECIAL_TOKENS = (
    "bos_token",
    "eos_token",
    "unk_token",
    "sep_token",
    "pad_token",
    "cls_token",
    "mask_token",
)


def _token_text(value: object) -> str | None:
    """A tokenizer_config.json special token: its text, or an AddedToken object's `content`."""
    if isinstance(value, dict):
        value = value.get("content")
    return value if isinstance(value, str) else None


def special_tokens(config: dict) -> dict[str, str]:
    """The special tokens a tokenizer_config.json names, by name (`eos_token` -> "<|im_end|>")."""
    out = {}
    for name in SPECIAL_TOKENS:
        text = _token_text(config.get(name))
        if text is not None:
            out[name] = text
    extra = config.get("additional_special_tokens")
    if isinstance(extra, list):
        texts = [t for t in (_token_text(v) for v in extra) if t is not None]
        if texts:
            out["additional_special_tokens"] = texts  # type: ignore[assignment]
    return out


def _template_of(path: Path, value: object) -> str | None:
    """tokenizer_config.json's `chat_template`: a string, or [{"name", "template"}] -> "default"."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        named = {t.get("name"): t.get("template") for t in value if isinstance(t, dict)}
        chosen = named.get("default")
        if isinstance(chosen, str):
            return chosen
        return None
    raise ModelFileError(path, "chat_template must be text or a list of named templates")


def read_chat(folder: Path, config: dict) -> dict | None:
    """The card's `chat` entry of a folder whose tokenizer_config.json is `config`: the template,
    where it came from and the special tokens it sees; None when the folder has no template."""
    jinja_file = folder / "chat_template.jinja"
    template: str | None
    if jinja_file.is_file():
        if jinja_file.stat().st_size > MAX_TEMPLATE_BYTES:
            raise ModelFileError(jinja_file, "too large to be a chat template")
        try:
            template, source = jinja_file.read_text(encoding="utf-8"), jinja_file.name
        except UnicodeDecodeError:
            raise ModelFileError(jinja_file, "not UTF-8 text") from None
    else:
        template = _template_of(folder / "tokenizer_config.json", config.get("chat_template"))
        source = "tokenizer_config.json"
    if not template:
        return None
    return {"template": template, "source": source, "special_tokens": special_tokens(config)}
