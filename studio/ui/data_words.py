"""Words that reach the window as data from the engine or a model file, in the window's language:
why a run stopped, the names of the sampling stages, the model card's field names, where the model
runs. Each is stored and exported as the engine says it ("length", "top-k", "block_size"); only
what is shown is translated, and a word not listed here is shown as it is.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

STOP_REASONS = (
    QT_TRANSLATE_NOOP("StopReason", "length"),
    QT_TRANSLATE_NOOP("StopReason", "eos"),
    QT_TRANSLATE_NOOP("StopReason", "stop"),
    QT_TRANSLATE_NOOP("StopReason", "cancelled"),
)
"""core/events.py's DoneEvent.stop_reason values."""

STAGE_NAMES = (
    QT_TRANSLATE_NOOP("Stage", "model"),
    QT_TRANSLATE_NOOP("Stage", "repetition penalty"),
    QT_TRANSLATE_NOOP("Stage", "temperature"),
    QT_TRANSLATE_NOOP("Stage", "top-k"),
    QT_TRANSLATE_NOOP("Stage", "top-p"),
    QT_TRANSLATE_NOOP("Stage", "min-p"),
    QT_TRANSLATE_NOOP("Stage", "greedy"),
    QT_TRANSLATE_NOOP("Stage", "guidance"),  # classifier-free guidance, image step mode
)
"""engine/text/sampling_stages.py's StageDistribution.name values."""

CARD_FIELDS = (
    # a translation model's card (translate-en-zh)
    QT_TRANSLATE_NOOP("ModelCard", "pairs"),
    QT_TRANSLATE_NOOP("ModelCard", "train pairs"),
    QT_TRANSLATE_NOOP("ModelCard", "heldout pairs"),
    QT_TRANSLATE_NOOP("ModelCard", "chinese"),
    QT_TRANSLATE_NOOP("ModelCard", "heldout loss nats per token"),
    QT_TRANSLATE_NOOP("ModelCard", "bleu greedy"),
    QT_TRANSLATE_NOOP("ModelCard", "chrf greedy"),
    QT_TRANSLATE_NOOP("ModelCard", "bleu beam4"),
    QT_TRANSLATE_NOOP("ModelCard", "chrf beam4"),
    QT_TRANSLATE_NOOP("ModelCard", "float32"),
    QT_TRANSLATE_NOOP("ModelCard", "src vocab"),
    QT_TRANSLATE_NOOP("ModelCard", "tgt vocab"),
    QT_TRANSLATE_NOOP("ModelCard", "d model"),
    QT_TRANSLATE_NOOP("ModelCard", "enc layers"),
    QT_TRANSLATE_NOOP("ModelCard", "dec layers"),
    QT_TRANSLATE_NOOP("ModelCard", "d ff"),
    QT_TRANSLATE_NOOP("ModelCard", "max src"),
    QT_TRANSLATE_NOOP("ModelCard", "max tgt"),
    QT_TRANSLATE_NOOP("ModelCard", "src pad"),
    QT_TRANSLATE_NOOP("ModelCard", "device"),
    QT_TRANSLATE_NOOP("ModelCard", "resumed with"),
    # the card's own rows
    QT_TRANSLATE_NOOP("ModelCard", "name"),
    QT_TRANSLATE_NOOP("ModelCard", "kind"),
    QT_TRANSLATE_NOOP("ModelCard", "file"),
    QT_TRANSLATE_NOOP("ModelCard", "size"),
    QT_TRANSLATE_NOOP("ModelCard", "from"),
    QT_TRANSLATE_NOOP("ModelCard", "version"),
    # data and license
    QT_TRANSLATE_NOOP("ModelCard", "data"),
    QT_TRANSLATE_NOOP("ModelCard", "dataset"),
    QT_TRANSLATE_NOOP("ModelCard", "source"),
    QT_TRANSLATE_NOOP("ModelCard", "license"),
    QT_TRANSLATE_NOOP("ModelCard", "credit"),
    QT_TRANSLATE_NOOP("ModelCard", "files"),
    QT_TRANSLATE_NOOP("ModelCard", "path"),
    QT_TRANSLATE_NOOP("ModelCard", "split"),
    QT_TRANSLATE_NOOP("ModelCard", "corpus"),
    QT_TRANSLATE_NOOP("ModelCard", "characters"),
    QT_TRANSLATE_NOOP("ModelCard", "images"),
    QT_TRANSLATE_NOOP("ModelCard", "preprocessing"),
    QT_TRANSLATE_NOOP("ModelCard", "why downsampled"),
    QT_TRANSLATE_NOOP("ModelCard", "val fraction"),
    QT_TRANSLATE_NOOP("ModelCard", "label drop"),
    # metrics
    QT_TRANSLATE_NOOP("ModelCard", "heldout bits per dim"),
    QT_TRANSLATE_NOOP("ModelCard", "heldout bits per dim any digit"),
    QT_TRANSLATE_NOOP("ModelCard", "heldout images"),
    QT_TRANSLATE_NOOP("ModelCard", "train bits per dim"),
    QT_TRANSLATE_NOOP("ModelCard", "train bits per dim first 1000"),
    QT_TRANSLATE_NOOP("ModelCard", "palette rmse heldout"),
    QT_TRANSLATE_NOOP("ModelCard", "val loss nats per token"),
    QT_TRANSLATE_NOOP("ModelCard", "val bits per char"),
    QT_TRANSLATE_NOOP("ModelCard", "val tokens"),
    QT_TRANSLATE_NOOP("ModelCard", "regular form share"),
    QT_TRANSLATE_NOOP("ModelCard", "regular form check"),
    QT_TRANSLATE_NOOP("ModelCard", "note"),
    # architecture
    QT_TRANSLATE_NOOP("ModelCard", "height"),
    QT_TRANSLATE_NOOP("ModelCard", "width"),
    QT_TRANSLATE_NOOP("ModelCard", "channels"),
    QT_TRANSLATE_NOOP("ModelCard", "n layers"),
    QT_TRANSLATE_NOOP("ModelCard", "kernel"),
    QT_TRANSLATE_NOOP("ModelCard", "n classes"),
    QT_TRANSLATE_NOOP("ModelCard", "n mix"),
    QT_TRANSLATE_NOOP("ModelCard", "head channels"),
    QT_TRANSLATE_NOOP("ModelCard", "position bias"),
    QT_TRANSLATE_NOOP("ModelCard", "block size"),
    QT_TRANSLATE_NOOP("ModelCard", "vocab size"),
    QT_TRANSLATE_NOOP("ModelCard", "n layer"),
    QT_TRANSLATE_NOOP("ModelCard", "n head"),
    QT_TRANSLATE_NOOP("ModelCard", "n embd"),
    QT_TRANSLATE_NOOP("ModelCard", "dropout"),
    QT_TRANSLATE_NOOP("ModelCard", "bias"),
    QT_TRANSLATE_NOOP("ModelCard", "layer norm epsilon"),
    # Llama-family folders (engine/formats/hf_llama.py)
    QT_TRANSLATE_NOOP("ModelCard", "model class"),
    QT_TRANSLATE_NOOP("ModelCard", "parameters"),
    QT_TRANSLATE_NOOP("ModelCard", "context length"),
    QT_TRANSLATE_NOOP("ModelCard", "precision"),
    QT_TRANSLATE_NOOP("ModelCard", "n kv head"),
    QT_TRANSLATE_NOOP("ModelCard", "dim"),
    QT_TRANSLATE_NOOP("ModelCard", "head dim"),
    QT_TRANSLATE_NOOP("ModelCard", "intermediate size"),
    QT_TRANSLATE_NOOP("ModelCard", "norm eps"),
    QT_TRANSLATE_NOOP("ModelCard", "rope theta"),
    QT_TRANSLATE_NOOP("ModelCard", "rope type"),
    QT_TRANSLATE_NOOP("ModelCard", "rope factor"),
    QT_TRANSLATE_NOOP("ModelCard", "rope low freq factor"),
    QT_TRANSLATE_NOOP("ModelCard", "rope high freq factor"),
    QT_TRANSLATE_NOOP("ModelCard", "rope original context"),
    QT_TRANSLATE_NOOP("ModelCard", "qkv bias"),
    QT_TRANSLATE_NOOP("ModelCard", "o bias"),
    QT_TRANSLATE_NOOP("ModelCard", "mlp bias"),
    QT_TRANSLATE_NOOP("ModelCard", "qk norm"),
    QT_TRANSLATE_NOOP("ModelCard", "tie embeddings"),
    QT_TRANSLATE_NOOP("ModelCard", "base model"),
    QT_TRANSLATE_NOOP("ModelCard", "license name"),
    QT_TRANSLATE_NOOP("ModelCard", "license link"),
    # GGUF files (engine/formats/gguf_file.py)
    QT_TRANSLATE_NOOP("ModelCard", "quantization"),
    QT_TRANSLATE_NOOP("ModelCard", "model name"),
    QT_TRANSLATE_NOOP("ModelCard", "organization"),
    QT_TRANSLATE_NOOP("ModelCard", "source url"),
    QT_TRANSLATE_NOOP("ModelCard", "url"),
    QT_TRANSLATE_NOOP("ModelCard", "repository"),
    # sampling defaults (generation_config.json)
    QT_TRANSLATE_NOOP("ModelCard", "do sample"),
    QT_TRANSLATE_NOOP("ModelCard", "temperature"),
    QT_TRANSLATE_NOOP("ModelCard", "top k"),
    QT_TRANSLATE_NOOP("ModelCard", "top p"),
    QT_TRANSLATE_NOOP("ModelCard", "min p"),
    QT_TRANSLATE_NOOP("ModelCard", "repetition penalty"),
    # training
    QT_TRANSLATE_NOOP("ModelCard", "command"),
    QT_TRANSLATE_NOOP("ModelCard", "steps"),
    QT_TRANSLATE_NOOP("ModelCard", "minutes"),
    QT_TRANSLATE_NOOP("ModelCard", "seed"),
    QT_TRANSLATE_NOOP("ModelCard", "hyper"),
    QT_TRANSLATE_NOOP("ModelCard", "images seen"),
    QT_TRANSLATE_NOOP("ModelCard", "tokens seen"),
    QT_TRANSLATE_NOOP("ModelCard", "threads"),
    QT_TRANSLATE_NOOP("ModelCard", "init from"),
    QT_TRANSLATE_NOOP("ModelCard", "augmentation"),
    QT_TRANSLATE_NOOP("ModelCard", "preset"),
)
"""The field names of the bundled models' cards (and nanoGPT's), as the card shows them:
underscores as spaces."""

CARD_SOURCES = {
    "bundled": QT_TRANSLATE_NOOP("ModelCard", "shipped with the studio"),
    "user": QT_TRANSLATE_NOOP("ModelCard", "your model folder"),
    "path": QT_TRANSLATE_NOOP("ModelCard", "opened"),
}
"""Where a model came from (its description's "source")."""

_CPU = re.compile(r"cpu, (\d+) threads?")


def stop_reason(reason: str) -> str:
    return QCoreApplication.translate("StopReason", reason)


def stage_name(name: str) -> str:
    return QCoreApplication.translate("Stage", name)


def card_field(key: object) -> str:
    """A card field's name as shown: "block_size" is "block size", or its translation."""
    return QCoreApplication.translate("ModelCard", str(key).replace("_", " "))


def card_source(source: str) -> str:
    english = CARD_SOURCES.get(source)
    return QCoreApplication.translate("ModelCard", english) if english else source


def device(text: str) -> str:
    """Where the model runs, as the engine says it ("cpu, 2 threads", "cuda:0")."""
    m = _CPU.fullmatch(text)
    if m is None:
        return text
    n = int(m.group(1))
    if n == 1:
        return QCoreApplication.translate("Device", "cpu, {0} thread").format(n)
    return QCoreApplication.translate("Device", "cpu, {0} threads").format(n)
