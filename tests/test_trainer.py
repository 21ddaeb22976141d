"""The one training loop: any task that follows `TrainingTask` trains through it (events, cadence,
checkpoints, resumption, time budget, the card in the file), and text and images both do."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
import torch
from image_helpers import write_tiny_mnist

from studio.engine.formats.studio_file import read_card
from studio.engine.train import image_task, text_task
from studio.engine.train.trainer import FinishedRun, TrainingTask, run_training


@dataclass
class Settings:
    """The shared run settings, as TrainConfig and ImageTrainConfig carry them."""

    out: str
    max_steps: int = 6
    minutes: float | None = None
    seed: int = 3
    resume: bool = False
    eval_interval: int = 2
    checkpoint_interval: int = 3
    warmup_steps: int = 1
    min_lr_ratio: float = 0.1
    weight_decay: float = 0.0
    grad_clip: float = 1.0
    half: bool = False
    threads: int | None = None
    device: str = "cpu"
    command: str = "fit line"


@dataclass
class LineTask:
    """Fit y = 2x - 1 with one linear unit: a task with nothing of text or images in it."""

    init: dict | None = None  # weights to start from, as --init-from gives them
    model: torch.nn.Module = field(default_factory=lambda: torch.nn.Linear(1, 1))
    lr: float = 0.1
    units_per_step: int = 8
    per_nat: float = 1.0
    calls: list[str] = field(default_factory=list)

    def describe(self) -> str:
        return "a line"

    def batch(self, gen: torch.Generator) -> tuple[torch.Tensor, None]:
        return torch.rand(8, 1, generator=gen), None

    def loss(self, inputs: tuple) -> torch.Tensor:
        x, nothing = inputs
        assert nothing is None  # absent inputs pass through as None
        return ((self.model(x) - (2 * x - 1)) ** 2).mean()

    def evaluate(self) -> float:
        x = torch.linspace(0, 1, 5)[:, None]
        with torch.no_grad():
            return float(self.loss((x, None)))

    def start_from(self) -> dict | None:
        self.calls.append("start_from")
        if self.init is None:
            return None
        self.model.load_state_dict(self.init)
        return {"file": "earlier"}

    def checkpoint_extra(self) -> dict:
        return {"shape": "line"}

    def card(self, run: FinishedRun) -> dict:
        self.calls.append("card")
        return {
            "kind": "line",
            "metrics": {"loss": self.evaluate()},
            "training": {
                "commands": run.commands,
                "steps": run.steps,
                "minutes": run.minutes,
                "seed": run.seed,
                "device": run.device,
                "init_from": run.init_from,
            },
        }

    def remeasure(self, out: Path, card: dict) -> dict:
        self.calls.append("remeasure")
        return card | {"stored": "float16"}

    def final_score(self, card: dict) -> float:
        return card["metrics"]["loss"]


def test_a_task_of_any_kind_trains_through_the_loop(tmp_path):
    cfg = Settings(out=str(tmp_path / "line.safetensors"))
    task = LineTask()
    assert isinstance(task, TrainingTask)
    events = list(run_training(cfg, lambda state: task))
    kinds = [e.kind for e in events]
    assert kinds[0] == "start" and events[0].message == "a line" and kinds[-1] == "done"
    assert [e.step for e in events if e.kind == "eval"] == [2, 4, 6]
    assert [e.step for e in events if e.kind == "checkpoint"] == [3, 6]
    steps = [e for e in events if e.kind == "step"]
    assert [e.step for e in steps] == [1, 2, 3, 4, 5, 6]
    assert steps[-1].loss < steps[0].loss
    card = read_card(cfg.out)
    assert card["training"] == {
        "commands": ["fit line"],
        "steps": 6,
        "minutes": 0.0,
        "seed": 3,
        "device": "cpu",
        "init_from": None,
    }
    assert events[-1].val_loss == card["metrics"]["loss"]
    assert task.calls == ["start_from", "card"]  # float32 weights: nothing to re-measure
    state = torch.load(cfg.out + ".ckpt", weights_only=True)
    assert state["step"] == 6 and state["shape"] == "line" and state["commands"] == ["fit line"]


def test_resume_goes_on_where_the_checkpoint_stood_and_keeps_the_start(tmp_path):
    out = str(tmp_path / "line.safetensors")
    init = {"weight": torch.tensor([[2.0]]), "bias": torch.tensor([-1.0])}
    whole = list(
        run_training(Settings(out=str(tmp_path / "whole.safetensors")), lambda s: LineTask(init))
    )
    list(run_training(Settings(out=out, max_steps=3), lambda s: LineTask(init)))
    resumed_task = LineTask()  # no init: a resumed run keeps its weights and its start
    cfg = Settings(out=out, resume=True, command="go on", half=True)
    resumed = list(run_training(cfg, lambda state: resumed_task))
    assert resumed[0].kind == "start" and resumed[0].step == 3
    assert [e.step for e in resumed if e.kind == "step"] == [4, 5, 6]
    # the same batches and weights as one uninterrupted run
    assert [e.loss for e in resumed if e.kind == "step"] == pytest.approx(
        [e.loss for e in whole if e.kind == "step"][3:], abs=1e-6
    )
    card = read_card(out)
    assert card["training"]["commands"] == ["fit line", "go on"]
    assert card["training"]["init_from"] == {"file": "earlier"}
    assert card["stored"] == "float16" and resumed_task.calls == ["card", "remeasure"]


def test_a_time_budget_ends_the_run_before_its_steps(tmp_path):
    cfg = Settings(out=str(tmp_path / "line.safetensors"), max_steps=10_000, minutes=1e-9)
    events = list(run_training(cfg, lambda state: LineTask()))
    assert events[-1].kind == "done" and events[-1].step < 10_000
    assert read_card(cfg.out)["training"]["steps"] == events[-1].step


def test_text_and_images_train_through_the_same_loop(monkeypatch, tmp_path):
    seen: list[TrainingTask] = []

    def spy(cfg, make_task, watch=None):
        def make(state):
            task = make_task(state)
            seen.append(task)
            return task

        return run_training(cfg, make, watch)

    monkeypatch.setattr(text_task, "run_training", spy)
    monkeypatch.setattr(image_task, "run_training", spy)
    corpus = tmp_path / "c.txt"
    corpus.write_text("abcdefgh\n" * 60, encoding="utf-8")
    text_cfg = text_task.TrainConfig(
        corpus=str(corpus), out=str(tmp_path / "t.safetensors"), preset="tiny", max_steps=2
    )
    assert [e.kind for e in text_task.train_text(text_cfg)][-1] == "done"
    image_cfg = image_task.ImageTrainConfig(
        kind="digits",
        data=str(write_tiny_mnist(tmp_path)),
        out=str(tmp_path / "i.safetensors"),
        max_steps=1,
        overrides=dict(channels=4, n_layers=2, kernel=3, n_mix=2, head_channels=4, batch_size=2),
    )
    assert [e.kind for e in image_task.train_image(image_cfg)][-1] == "done"
    assert [type(t) for t in seen] == [text_task.TextTask, image_task.ImageTask]
    assert all(isinstance(t, TrainingTask) for t in seen)
