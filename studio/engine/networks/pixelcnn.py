"""A class-conditional Gated PixelCNN (van den Oord et al. 2016, arXiv:1606.05328) for grey images.

Two stacks of causal convolutions, so there is no blind spot:
- the vertical stack at (r, c) sees every pixel in the rows above r within its receptive field,
  including the columns to the right of c;
- the horizontal stack at (r, c) sees the pixels left of c in row r, plus the vertical stack at (r, c).
The first layer is strict (rows < r, columns < c); later layers may include their own position,
because their inputs already exclude the current pixel. The kernels are cropped rather than masked:
a vertical kernel is (k//2 + 1, k) over rows r-k//2..r, a horizontal one (1, k//2 + 1) over columns
c-k//2..c, so no multiply is spent on zeros.

Each pixel's 256 grey levels get a distribution from a mixture of discretized logistics (PixelCNN++,
Salimans et al. 2017, arXiv:1701.05517), which learns from little data far faster than a 256-way
softmax because neighbouring levels share mass. `level_logprobs` turns it into 256 log-probabilities,
which the sampling chain then shapes like any other logits.

The class label is a per-layer bias on both stacks; label `n_classes` means "any class". With
`position_bias`, each layer also adds a learned bias per position (the "location-dependent
conditioning" of the Gated PixelCNN paper, in its simplest form): without it a layer can tell where
it is only from the padding, which it sees just near the top and side edges, so a digit's lower half
is drawn without knowing where in the frame it is. It costs one add per layer and starts at zero, so
a model trained without it can be resumed with it and begins as the same function.

`IncrementalState` is the fast sampler's cache: the vertical stack is computed one row at a time, when
the rows above are final, and the horizontal stack one column at a time, so each new pixel costs one
column of every layer instead of a whole network pass.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

LEVELS = 256


@dataclass(frozen=True)
class PixelCNNConfig:
    height: int = 28
    width: int = 28
    channels: int = 48  # width of each stack; cost grows with its square
    n_layers: int = 8  # gated layers; the receptive field grows k//2 rows and columns per layer
    kernel: int = 5  # odd; 5 reaches 2 rows up per layer, so 8 layers see 16 rows
    n_classes: int = 10  # labels 0..n_classes-1; the extra label n_classes means "any class"
    n_mix: int = 10  # logistic components per pixel (PixelCNN++ uses 10 for RGB)
    head_channels: int = 96  # the 1x1 output head's hidden width
    position_bias: bool = False  # a learned (4c, H, W) bias per layer; see the module docstring

    def validate(self) -> list[str]:
        problems = []
        for name in ("height", "width", "channels", "n_layers", "kernel", "n_mix", "head_channels"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v < 1 or v > 4096:
                problems.append(f"{name}={v!r} must be a whole number from 1 to 4096")
        if not problems and (self.kernel < 3 or self.kernel % 2 == 0):
            problems.append(f"kernel={self.kernel} must be odd and at least 3")
        if not isinstance(self.position_bias, bool):
            problems.append(f"position_bias={self.position_bias!r} must be true or false")
        if not isinstance(self.n_classes, int) or not 0 <= self.n_classes <= 1000:
            problems.append(f"n_classes={self.n_classes!r} must be from 0 to 1000")
        return problems

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> PixelCNNConfig:
        return cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d})


def gate(x: torch.Tensor, dim: int = 1) -> torch.Tensor:
    """tanh(a) * sigmoid(b) of the two halves of x along dim: (.., 2C, ..) -> (.., C, ..)."""
    a, b = x.chunk(2, dim=dim)
    return torch.tanh(a) * torch.sigmoid(b)


class GatedLayer(nn.Module):
    def __init__(
        self,
        c_in: int,
        c: int,
        k: int,
        first: bool,
        n_labels: int,
        position_hw: tuple[int, int] | None = None,
    ):
        super().__init__()
        self.first = first
        self.k = k
        self.pad = k // 2
        # the first layer excludes the current row (vertical) and pixel (horizontal)
        self.kh = k // 2 if first else k // 2 + 1
        self.kw = k // 2 if first else k // 2 + 1
        self.v_conv = nn.Conv2d(c_in, 2 * c, (self.kh, k))
        self.h_conv = nn.Conv2d(c_in, 2 * c, (1, self.kw))
        self.v2h = nn.Conv2d(2 * c, 2 * c, 1)
        self.h_res = nn.Conv2d(c, c, 1)
        self.cond = nn.Embedding(n_labels, 4 * c)  # per-label bias: 2c for v, 2c for h
        nn.init.zeros_(self.cond.weight)
        # per-position bias (4c, H, W): 2c for v, 2c for h; zero, so it starts as a no-op
        self.pos = nn.Parameter(torch.zeros(4 * c, *position_hw)) if position_hw else None

    def forward(
        self, v: torch.Tensor, h: torch.Tensor, labels: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """v, h: (B, c_in, H, W); labels (B,) -> v, h: (B, c, H, W)."""
        H, W = v.shape[-2:]
        bias = self.cond(labels)[:, :, None, None]  # (B, 4c, 1, 1)
        if self.pos is not None:
            bias = bias + self.pos[None, :, :H, :W]  # (B, 4c, H, W)
        cv, ch = bias.chunk(2, dim=1)  # (B, 2c, 1 or H, 1 or W) each
        p = self.pad
        v_feat = self.v_conv(F.pad(v, (p, p, p, 0)))[:, :, :H] + cv  # (B, 2c, H, W)
        h_feat = self.h_conv(F.pad(h, (p, 0, 0, 0)))[:, :, :, :W]  # (B, 2c, H, W)
        h_feat = h_feat + self.v2h(v_feat) + ch
        h_out = self.h_res(gate(h_feat))
        if not self.first:
            h_out = h_out + h  # residual on the horizontal stack, as in the paper
        return gate(v_feat), h_out


class PixelCNN(nn.Module):
    def __init__(self, config: PixelCNNConfig):
        super().__init__()
        problems = config.validate()
        if problems:
            raise ValueError("; ".join(problems))
        self.config = config
        c = config.channels
        n_labels = config.n_classes + 1
        hw = (config.height, config.width) if config.position_bias else None
        self.layers = nn.ModuleList(
            [
                GatedLayer(1 if i == 0 else c, c, config.kernel, i == 0, n_labels, hw)
                for i in range(config.n_layers)
            ]
        )
        self.head1 = nn.Conv2d(c, config.head_channels, 1)
        self.head2 = nn.Conv2d(config.head_channels, 3 * config.n_mix, 1)

    @property
    def any_label(self) -> int:
        return self.config.n_classes

    @staticmethod
    def normalize(x: torch.Tensor) -> torch.Tensor:
        """Grey levels 0..255 (any integer dtype) -> floats in [-1, 1]."""
        return x.float() / 127.5 - 1.0

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """x: (B, H, W) grey levels, labels (B,) -> mixture parameters (B, 3*n_mix, H, W).

        The output at (r, c) depends only on pixels before (r, c) in raster order."""
        return self.forward_normalized(self.normalize(x), labels)

    def forward_normalized(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """`forward` of pixels already on the [-1, 1] scale (B, H, W) float: differentiable in
        them, for the gradient saliency of engine/image/inspect_pixel.py."""
        v = h = x[:, None]  # (B, 1, H, W)
        for layer in self.layers:
            v, h = layer(v, h, labels)
        return self.head2(F.relu(self.head1(F.relu(h))))

    def nll(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Mean negative log-likelihood of each image in nats per pixel: (B, H, W) -> (B,)."""
        params = self(x, labels).permute(0, 2, 3, 1)  # (B, H, W, 3*n_mix)
        lp = mixture_logprob(params, x.long())  # (B, H, W)
        return -lp.flatten(1).mean(1)

    def level_logprobs(self, params: torch.Tensor) -> torch.Tensor:
        """Mixture parameters (B, 3*n_mix) -> log-probabilities of the 256 levels (B, 256).

        For sampling: each component's CDF is evaluated once at the 257 bin edges (not twice per
        level as the loss does), and a bin's mass is taken on the side of the mean where it does
        not cancel (sig(b) - sig(a) below it, sig(-a) - sig(-b) above it). Masses under 1e-30 are
        clamped there, so no level gets -inf."""
        n_mix = params.shape[-1] // 3
        logit_pi, mean, log_scale = _unpack(params, n_mix)  # (B, n_mix)
        edges = _edges(params.device)  # (257,), -inf and +inf at the ends
        z = (edges[None, :, None] - mean[:, None, :]) * torch.exp(-log_scale)[:, None, :]
        below = torch.sigmoid(z)  # (B, 257, n_mix): P(x < edge)
        above = torch.sigmoid(-z)  # P(x > edge), accurate where `below` is close to 1
        mass = torch.where(
            z[:, :-1] > 0, above[:, :-1] - above[:, 1:], below[:, 1:] - below[:, :-1]
        )  # (B, 256, n_mix)
        probs = torch.bmm(mass, torch.softmax(logit_pi, dim=-1)[:, :, None])[:, :, 0]
        return torch.log(probs.clamp_min(1e-30))

    def new_state(self, batch: int, labels: torch.Tensor) -> IncrementalState:
        return IncrementalState(self, batch, labels)


_EDGES: dict[torch.device, torch.Tensor] = {}


def _edges(device: torch.device) -> torch.Tensor:
    """Bin edges of the 256 levels on the [-1, 1] scale: (257,), with -inf and +inf at the ends."""
    if device not in _EDGES:
        e = (torch.arange(LEVELS + 1, dtype=torch.float32) - 0.5) / 127.5 - 1.0
        e[0], e[-1] = float("-inf"), float("inf")
        _EDGES[device] = e.to(device)
    return _EDGES[device]


def _unpack(params: torch.Tensor, n_mix: int):
    logit_pi = params[..., :n_mix]
    mean = params[..., n_mix : 2 * n_mix]
    log_scale = params[..., 2 * n_mix :].clamp(min=-7.0)
    return logit_pi, mean, log_scale


def mixture_logprob(params: torch.Tensor, value: torch.Tensor) -> torch.Tensor:
    """log P(value) under a mixture of logistics discretized to 256 levels.

    params (..., 3*n_mix) and value (...) broadcast; levels v map to x = v/127.5 - 1 with bin edges at
    x +- 1/255; the lowest and highest level take the whole tails. Computed as
    log(sig(b) - sig(a)) = b - softplus(a) - softplus(b) + log(1 - exp(a - b)), which stays exact in
    both tails (where sig(b) - sig(a) is a difference of two numbers close to 0 or to 1)."""
    n_mix = params.shape[-1] // 3
    logit_pi, mean, log_scale = _unpack(params, n_mix)  # (..., n_mix)
    x = (value.float() / 127.5 - 1.0)[..., None]  # (..., 1)
    inv_s = torch.exp(-log_scale)
    a = (x - 1.0 / 255 - mean) * inv_s  # lower edge, standardized
    b = (x + 1.0 / 255 - mean) * inv_s  # upper edge
    d = b - a  # > 0
    mid = b - F.softplus(a) - F.softplus(b) + torch.log(-torch.expm1(-d))
    low = -F.softplus(-b)  # level 0: log sig(b)
    high = -F.softplus(a)  # level 255: log(1 - sig(a))
    v = value[..., None]
    lp = torch.where(v == 0, low, torch.where(v == LEVELS - 1, high, mid))
    return torch.logsumexp(lp + F.log_softmax(logit_pi, dim=-1), dim=-1)


class IncrementalState:
    """The fast sampler's cache for one batch of images being drawn in raster order.

    Per layer l it keeps the vertical stack's input for all rows, zero-padded the way the full
    forward pads it (vin[l]: (B, c_in, pad + H, W + 2*pad)), and the horizontal stack's input for
    the current row, columns first so that a kernel window is one contiguous slice
    (hin[l]: (B, pad + W, c_in)). `begin_row(r)` computes row r of every vertical layer (its inputs,
    the rows above, are final), `column(c)` computes column c of every horizontal layer and returns
    the mixture parameters of pixel (r, c), and `put(c, values)` writes the pixel drawn there. The
    arithmetic is the full forward's, restricted to what one pixel changes; the weights are
    rearranged once into plain matrices so a column costs a few matrix-vector products per layer.
    """

    def __init__(self, model: PixelCNN, batch: int, labels: torch.Tensor):
        cfg = model.config
        p = cfg.kernel // 2
        self.model, self.B, self.p = model, batch, p
        self.H, self.W = cfg.height, cfg.width
        dev = next(model.parameters()).device
        c = cfg.channels
        self.vin: list[torch.Tensor] = []
        self.hin: list[torch.Tensor] = []
        # per layer: (h_conv as (kw*c_in, 2c), h_res as (c, c), h_res's bias, kw, first)
        self.mats: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor, int, bool]] = []
        self.layers = [layer for layer in model.layers if isinstance(layer, GatedLayer)]
        with torch.no_grad():
            for i, layer in enumerate(self.layers):
                c_in = 1 if i == 0 else c
                self.vin.append(torch.zeros(batch, c_in, p + self.H, self.W + 2 * p, device=dev))
                self.hin.append(torch.zeros(batch, p + self.W, c_in, device=dev))
                wh = layer.h_conv.weight[:, :, 0, :]  # (2c, c_in, kw)
                wh_t = wh.permute(2, 1, 0).reshape(-1, wh.shape[0]).contiguous()  # (kw*c_in, 2c)
                wr_t = layer.h_res.weight[:, :, 0, 0].t().contiguous()  # (c, c)
                self.mats.append((wh_t, wr_t, _bias(layer.h_res), layer.kw, layer.first))
            self.head = (
                model.head1.weight[:, :, 0, 0].t().contiguous(),  # (c, head)
                _bias(model.head1),
                model.head2.weight[:, :, 0, 0].t().contiguous(),  # (head, 3*n_mix)
                _bias(model.head2),
            )
            self.cond = [layer.cond(labels).chunk(2, dim=1) for layer in self.layers]  # (B, 2c)
        self.c = c
        self.hfeat_row: list[torch.Tensor] = []  # per layer (B, W, 2c): v2h + biases of the row
        self.row = -1

    @torch.no_grad()
    def begin_row(self, r: int) -> None:
        p = self.p
        self.hfeat_row = []
        for i, layer in enumerate(self.layers):
            window = self.vin[i][:, :, r : r + layer.kh]  # padded rows = the input rows it reads
            v_feat = layer.v_conv(window)[:, :, 0] + self.cond[i][0][:, :, None]  # (B, 2c, W)
            pos_h = None
            if layer.pos is not None:
                pos_v, pos_h = layer.pos[:, r].chunk(2, dim=0)  # (2c, W) each
                v_feat = v_feat + pos_v
            hf = layer.v2h(v_feat[:, :, None])[:, :, 0] + self.cond[i][1][:, :, None]
            if pos_h is not None:
                hf = hf + pos_h
            hf = hf + _bias(layer.h_conv)[None, :, None]
            self.hfeat_row.append(hf.transpose(1, 2).contiguous())  # (B, W, 2c)
            if i + 1 < len(self.layers):
                self.vin[i + 1][:, :, p + r, p : p + self.W] = gate(v_feat)
        self.row = r

    @torch.no_grad()
    def column(self, c: int) -> torch.Tensor:
        """Mixture parameters (B, 3*n_mix) of pixel (row, c)."""
        p, B, C = self.p, self.B, self.c
        h: torch.Tensor | None = None
        last = len(self.mats) - 1
        for i, (wh_t, wr_t, br, kw, first) in enumerate(self.mats):
            hin = self.hin[i]
            window = hin[:, c : c + kw].reshape(B, -1)  # (B, kw*c_in): columns c-kw(+1)..c
            hf = torch.addmm(self.hfeat_row[i][:, c], window, wh_t)  # (B, 2c)
            h = torch.addmm(br, torch.tanh(hf[:, :C]) * torch.sigmoid(hf[:, C:]), wr_t)
            if not first:
                h = h + hin[:, p + c]  # the residual
            if i < last:
                self.hin[i + 1][:, p + c] = h
        w1, b1, w2, b2 = self.head
        assert h is not None  # the last layer's output: a PixelCNN has at least one layer
        return torch.addmm(b2, torch.addmm(b1, h.relu(), w1).relu_(), w2)

    def put(self, c: int, values: torch.Tensor) -> None:
        """Write the grey levels (B,) drawn (or given) at (row, c) into the layer-0 inputs."""
        x = PixelCNN.normalize(values)
        self.hin[0][:, self.p + c, 0] = x
        self.vin[0][:, 0, self.p + self.row, self.p + c] = x


def _bias(conv: nn.Conv2d) -> torch.Tensor:
    """A convolution's bias; every one here has one (the Conv2d default)."""
    if conv.bias is None:
        raise ValueError("a PixelCNN convolution without a bias")
    return conv.bias


def bits_per_dim(nats_per_pixel: float) -> float:
    return nats_per_pixel / math.log(2)
