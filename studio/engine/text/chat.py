"""Chat templates of Hugging Face folders, rendered as transformers renders them.

The card's `chat` entry (studio.engine.formats.chat_template) holds a folder's template and the
special tokens it sees. Rendering follows transformers' `apply_chat_template(..., tokenize=False)`: a
sandboxed Jinja environment with trim_blocks and lstrip_blocks, the loopcontrols extension, the
`raise_exception` and `strftime_now` functions, a `tojson` filter that does not escape HTML, and the
tokenizer's special tokens (`bos_token`, `eos_token`, ...) as variables. jinja2 is imported only
when a template is rendered.
"""

from __future__ import annotations

import json
from datetime import datetime

from studio.core.errors import SettingsError

ROLES = ("system", "user", "assistant")


def _environment():
    """transformers' chat-template environment (without its assistant-mask extension)."""
    import jinja2
    import jinja2.ext
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    def raise_exception(message: str):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        # Jinja's own tojson escapes HTML characters; transformers' does not
        return json.dumps(
            x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys
        )

    def strftime_now(fmt: str) -> str:
        return datetime.now().strftime(fmt)

    env = ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols]
    )
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def check_messages(messages: list[dict]) -> None:
    for m in messages:
        if not isinstance(m, dict) or m.get("role") not in ROLES:
            raise SettingsError(f"a chat message needs a role of {', '.join(ROLES)}: got {m!r}")
        if not isinstance(m.get("content"), str):
            raise SettingsError(f"a chat message's content must be text: got {m!r}")


def render_chat(chat: dict, messages: list[dict], add_generation_prompt: bool = True) -> str:
    """The text a model's template makes of `messages` ([{"role", "content"}]), ending with the
    assistant's turn opened when `add_generation_prompt`. Raises SettingsError with one line when
    the template refuses the conversation or cannot be read."""
    import jinja2

    check_messages(messages)
    try:
        template = _environment().from_string(chat["template"])
        return template.render(
            messages=[dict(m) for m in messages],
            tools=None,
            documents=None,
            add_generation_prompt=add_generation_prompt,
            **chat.get("special_tokens", {}),
        )
    except jinja2.exceptions.TemplateError as e:
        raise SettingsError(f"the model's chat template refused the conversation: {e}") from None


def chat_messages(prompt: str, system: str | None = None) -> list[dict]:
    """A one-turn conversation: an optional system message, then the prompt as the user's."""
    head = [{"role": "system", "content": system}] if system is not None else []
    return [*head, {"role": "user", "content": prompt}]


def prompt_text(rendered: str, added_prefix: str) -> str:
    """The prompt to encode for a rendered conversation. A template writes the start token itself
    (Llama's `<s>`, `<|begin_of_text|>`) and the tokenizer adds it again when encoding; transformers
    encodes a rendered chat without adding special tokens, so the copy the template wrote is left
    out here and the tokenizer's own stands in for it."""
    if added_prefix and rendered.startswith(added_prefix):
        return rendered[len(added_prefix) :]
    return rendered


def chat_prompt(loaded, prompt: str, system: str | None = None) -> str:
    """The text a chat model continues for one user turn: `prompt` (after `system`, if given)
    rendered by the model's template with the assistant's turn opened. Raises SettingsError with
    one line for a model without a template."""
    return conversation_prompt(loaded, chat_messages(prompt, system), "; run it without --chat")


def conversation_prompt(loaded, messages: list[dict], hint: str = "") -> str:
    """The text a chat model continues for a whole conversation (system, user and assistant turns,
    ending with the user's): rendered by the model's template with the assistant's turn opened,
    as the tokenizer will encode it. SettingsError with one line for a model without a template
    (`hint` is added to it)."""
    chat = loaded.card.get("chat") if isinstance(loaded.card, dict) else None
    if not isinstance(chat, dict) or not chat.get("template"):
        raise SettingsError(
            f"{loaded.name} has no chat template (tokenizer_config.json's chat_template){hint}"
        )
    rendered = render_chat(chat, messages)
    tok = loaded.tokenizer
    # the text the tokenizer adds in front of any prompt (Llama's "<s>"), "" for most
    added = "".join(tok.token_text(i) for i in tok.encode("")) if tok is not None else ""
    return prompt_text(rendered, added)
