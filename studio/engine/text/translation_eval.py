"""Scoring a translation model on held-out pairs: BLEU and chrF (sacrebleu), greedy and beam search.

BLEU uses sacrebleu's Chinese tokenisation (`tokenize="zh"`: each Chinese character a word), chrF
its defaults; one reference per pair. Greedy targets are decoded in batches (the same argmax as
one-at-a-time greedy decoding), beam search one source at a time.
"""

from __future__ import annotations

from collections.abc import Sequence

from studio.engine.networks.seq2seq import Seq2Seq
from studio.engine.text.translation_data import BOS, EOS
from studio.engine.text.translation_search import beam_search, greedy_batch
from studio.engine.tokenizers import BPETokenizer, CharTokenizer

BATCH = 100


def translate_all(
    model: Seq2Seq,
    src_tok: BPETokenizer,
    tgt_tok: CharTokenizer,
    sources: Sequence[str],
    beam: int = 1,
) -> list[str]:
    """The translation of every source: greedy when beam is 1, else beam search of that width."""
    model.eval()
    bos, eos = tgt_tok.stoi[BOS], tgt_tok.stoi[EOS]
    ids = [src_tok.encode(s)[: model.config.max_src] for s in sources]
    out: list[list[int]] = []
    if beam <= 1:
        for i in range(0, len(ids), BATCH):
            out += greedy_batch(model, ids[i : i + BATCH], bos, eos)
    else:
        out = [beam_search(model, s, bos, eos, beam).ids for s in ids]
    return [tgt_tok.decode(t) for t in out]


def bleu_chrf(hypotheses: Sequence[str], references: Sequence[str]) -> dict:
    import sacrebleu

    bleu = sacrebleu.corpus_bleu(list(hypotheses), [list(references)], tokenize="zh")
    chrf = sacrebleu.corpus_chrf(list(hypotheses), [list(references)])
    return {"bleu": round(bleu.score, 2), "chrf": round(chrf.score, 2)}


def score_pairs(
    model: Seq2Seq,
    src_tok: BPETokenizer,
    tgt_tok: CharTokenizer,
    pairs: Sequence[tuple[str, str]],
    beam_width: int = 4,
) -> dict:
    """{"bleu_greedy", "chrf_greedy", "bleu_beam<W>", "chrf_beam<W>", "heldout_pairs"}."""
    sources = [en for en, _ in pairs]
    refs = [zh for _, zh in pairs]
    scores: dict = {"heldout_pairs": len(pairs)}
    for name, width in (("greedy", 1), (f"beam{beam_width}", beam_width)):
        if name != "greedy" and beam_width <= 1:
            continue
        r = bleu_chrf(translate_all(model, src_tok, tgt_tok, sources, width), refs)
        scores[f"bleu_{name}"], scores[f"chrf_{name}"] = r["bleu"], r["chrf"]
    return scores
