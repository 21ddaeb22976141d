"""The precisions a model can be opened in (`--dtype`, the window's Precision menu), torch-free.

- auto: the dtype the weights are stored in when that is float32 or bfloat16; float32 otherwise
  (float16 files, and our own models);
- float32, bfloat16: every weight, activation and cache in that dtype;
- int8: the big matrices (attention and MLP projections, the output layer) stored as int8 with one
  scale per output channel, made while the model is read; everything else in float32.
"""

from __future__ import annotations

PRECISIONS = ("auto", "float32", "bfloat16", "int8")
DEFAULT_PRECISION = "auto"
PRECISION_HELP = (
    "precision the model computes in: auto (the stored one: float32 or bfloat16), float32, "
    "bfloat16, or int8 (weight-only, per output channel, made at load time; text models)"
)
