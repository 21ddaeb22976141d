"""Scoring a translation model on held-out pairs: BLEU and chrF (sacrebleu), greedy and beam search.

BLEU uses sacrebleu's Chinese tokenisation (`tokenize="zh"`: each Chinese character a word), chrF
its defaults; one reference per pair. Greedy targets are decoded in batches (the same argmax as
one-at-a-time greedy decoding), beam search one source at a time.
"""

from __future__ import annotations

from collections.abc import Sequence

from studio.engine.networks.seq2seq import Seq2Seq
from studio.engine.text.translation_data import BOS, EOS
from studio.engine.text.translation_search import banned_ids, beam_search, greedy_batch
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
    banned = banned_ids(tgt_tok)
    ids = [src_tok.encode(s)[: model.config.max_src] for s in sources]
    out: list[list[int]] = []
    if beam <= 1:
        for i in range(0, len(ids), BATCH):
            out += greedy_batch(model, ids[i : i + BATCH], bos, eos, banned=banned)
    else:
        out = [beam_search(model, s, bos, eos, beam, banned=banned).ids for s in ids]
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


def evaluate_model(loaded, data: str, beam_width: int = 4) -> dict:
    """The card's metrics measured again: the held-out pairs of `data` split as the card's run
    split them (its seed and held-out count), scored greedy and with beam search."""
    from pathlib import Path

    import torch

    from studio.core.errors import CorpusError
    from studio.engine.text.translation_data import read_pairs, split_pairs

    card = loaded.card
    seed = (card.get("training") or {}).get("seed")
    n_heldout = (card.get("data") or {}).get("heldout_pairs")
    if not isinstance(seed, int) or not isinstance(n_heldout, int):
        raise CorpusError(f"{loaded.name}: the card does not say how its pairs were split")
    if not Path(data).exists():
        raise CorpusError(f"{data}: no such folder; give --data DIR, the folder holding cmn.txt")
    _, heldout = split_pairs(read_pairs(data), n_heldout, seed)
    model: Seq2Seq = loaded.network(Seq2Seq)
    src_tok = loaded.extras["source_tokenizer"]
    tgt_tok = loaded.tokenizer
    # the held-out loss, as the card's (BOS + target + EOS, no label smoothing)
    device = next(model.parameters()).device
    total, count = 0.0, 0
    with torch.inference_mode():
        for en, zh in heldout:
            src = torch.tensor([src_tok.encode(en)[: model.config.max_src]], device=device)
            tgt = tgt_tok.encode(BOS + zh + EOS)[: model.config.max_tgt + 1]
            t = torch.tensor([tgt], device=device)
            total += model.loss(src, t[:, :-1], t[:, 1:]).item() * (len(tgt) - 1)
            count += len(tgt) - 1
    return {
        "model": loaded.name,
        "heldout_loss_nats_per_token": round(total / max(count, 1), 4),
    } | score_pairs(model, src_tok, tgt_tok, heldout, beam_width)
