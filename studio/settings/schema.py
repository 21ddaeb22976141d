"""Every setting of a text or image run, defined once: the window's sliders, the command line's flags,
the engine's settings objects and the benchmarks all read their defaults, bounds and help from here.

The bounds are what any run accepts, in the window and on the command line alike; the window's
slider may end earlier (`slider_max`) where typed values may go on.
"""

from __future__ import annotations

from studio.settings.setting import Setting

MAX_SAMPLES = 64  # samples in one batch (sample i uses seed + i, so seeds stop short of 2**63)
MAX_SEED = 2**63 - 1 - MAX_SAMPLES  # the largest seed whose batch still fits in 63 bits

# ---- the sampling stages, shared by text and image runs -------------------------------------------

TEMPERATURE = Setting(
    "temperature",
    "--temperature",
    "Temperature",
    "float",
    0.8,
    "Divides the scores before sampling: lower is safer, higher is wilder, and 0 always takes the "
    "most likely token (greedy).",
    minimum=0.0,
    maximum=5.0,
    step=0.01,
)
TOP_K = Setting(
    "top_k",
    "--top-k",
    "Top-k",
    "int",
    0,
    "Samples only from the k most likely tokens (0 turns it off).",
    minimum=0,
    maximum=1000,
    step=1,
    unit="tokens",
    slider_max=200,
)
TOP_P = Setting(
    "top_p",
    "--top-p",
    "Top-p",
    "float",
    1.0,
    "Samples only from the most likely tokens that together hold this much probability "
    "(1 turns it off).",
    minimum=0.0,
    maximum=1.0,
    min_exclusive=True,
    step=0.01,
)
MIN_P = Setting(
    "min_p",
    "--min-p",
    "Min-p",
    "float",
    0.0,
    "Drops tokens less likely than this fraction of the most likely token (0 turns it off).",
    minimum=0.0,
    maximum=1.0,
    step=0.01,
)
REPETITION_PENALTY = Setting(
    "repetition_penalty",
    "--repetition-penalty",
    "Repetition penalty",
    "float",
    1.0,
    "Makes tokens already in the text less likely when above 1, more likely below 1 "
    "(1 turns it off; text only).",
    minimum=0.5,
    maximum=3.0,
    step=0.01,
)

# ---- text runs ------------------------------------------------------------------------------------

MAX_NEW_TOKENS = Setting(
    "max_new_tokens",
    "--max-new-tokens",
    "Max new tokens",
    "int",
    200,
    "Stops the run after this many generated tokens.",
    minimum=0,
    maximum=1_000_000,
    step=1,
    unit="tokens",
    slider_max=5000,
)
SEED = Setting(
    "seed",
    "--seed",
    "Seed",
    "seed",
    None,
    "Fixes the output: same model, settings and seed, same result; without one a seed is drawn "
    "and reported.",
    minimum=0,
    maximum=MAX_SEED,
)
STOP = Setting(
    "stop",
    "--stop",
    "Stop strings",
    "stops",
    (),
    "The run ends as soon as the text contains one of these; \\n stands for a newline, \\t for "
    "a tab and \\\\ for a backslash.",
)
IGNORE_EOS = Setting(
    "ignore_eos",
    "--ignore-eos",
    "Ignore end of text",
    "bool",
    False,
    "Goes on past the model's end-of-text token instead of stopping there.",
)
NUM_SAMPLES = Setting(
    "num_samples",
    "--num-samples",
    "Samples",
    "int",
    1,
    "How many samples to draw at once, sample i with seed + i.",
    minimum=1,
    maximum=MAX_SAMPLES,
    step=1,
    unit="samples",
)
TOP_N = Setting(
    "top_n",
    "--top-n",
    "Alternatives",
    "int",
    5,
    "How many of the most likely alternatives are reported with every token.",
    minimum=0,
    maximum=100,
    step=1,
    unit="tokens",
)
CONTEXT = Setting(
    "context",
    "--context",
    "Past the window",
    "choice",
    "shift",
    "What happens when the text outgrows the model's context window: shift keeps its newest half "
    "and goes on at full speed, slide drops one token per step and recomputes the whole window "
    "for every token, as nanoGPT does (slow).",
    choices=("shift", "slide"),
)

# ---- image runs -----------------------------------------------------------------------------------

LABEL = Setting(
    "label",
    "--label",
    "Label",
    "label",
    None,
    "The class a class-conditional image model draws (on the command line by its name); 'any' or "
    "none for any class.",
    minimum=0,
)
GUIDANCE = Setting(
    "guidance",
    "--guidance",
    "Guidance",
    "float",
    1.0,
    "How hard the label steers each pixel (classifier-free guidance): 1 draws from the model as "
    "trained, 2-4 looks more like the label at twice the compute, 0 ignores the label.",
    minimum=0.0,
    maximum=20.0,
    step=0.5,
)
SAMPLER = Setting(
    "sampler",
    "--sampler",
    "Sampler",
    "choice",
    "fast",
    "How an image is computed: fast recomputes only what each new pixel changes, naive runs the "
    "whole network per pixel; both draw the same pixels.",
    choices=("fast", "naive"),
)
DISTRIBUTION = Setting(
    "distribution",
    "--distribution",
    "Distribution",
    "bool",
    False,
    "Every pixel event carries the distribution its value was drawn from.",
)

SAMPLING: tuple[Setting, ...] = (TEMPERATURE, TOP_K, TOP_P, MIN_P, REPETITION_PENALTY)
"""SamplingSettings' fields, in the order the stages run (repetition penalty first in the chain)."""
TEXT: tuple[Setting, ...] = (
    MAX_NEW_TOKENS,
    SEED,
    STOP,
    IGNORE_EOS,
    NUM_SAMPLES,
    TOP_N,
    CONTEXT,
)
"""GenerationSettings' fields besides its sampling."""
IMAGE: tuple[Setting, ...] = (SEED, NUM_SAMPLES, LABEL, DISTRIBUTION, SAMPLER, GUIDANCE)
"""ImageSettings' fields besides its sampling."""

SCHEMA: dict[str, Setting] = {s.name: s for s in (*SAMPLING, *TEXT, *IMAGE)}
"""Every setting by name."""


def defaults(settings: tuple[Setting, ...]) -> dict:
    """{name: default} of these settings."""
    return {s.name: s.default for s in settings}
