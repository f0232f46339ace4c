"""The Train tab's optimizer controls: the model's own optimizer kept, replaced only when asked.

``describe_optimizer`` names an optimizer in one line; ``OptimizerControls`` is the
part of ``TrainingPanel`` that owns the optimizer dropdown, the learning-rate slider
and the note under them (a mixin: the panel builds the widgets, this keeps them in
step with the model and applies an explicit choice).
"""

from __future__ import annotations

import contextlib
import math

import keras
import numpy as np

from lenet_widgets.core.data import prepare_images
from lenet_widgets.core.model import DEFAULT_LEARNING_RATES, OPTIMIZERS, build_lenet, compile_lenet
from lenet_widgets.core.training import model_io
from lenet_widgets.ui.status import status_html

__all__ = ["MODEL_OPTIMIZER", "OptimizerControls", "describe_optimizer"]

MODEL_OPTIMIZER = "model"
"""The optimizer dropdown's value for "keep the model's own optimizer"."""


def _rate_text(rate: float) -> str:
    return f"{rate:.3g}"


def _schedule(optimizer) -> keras.optimizers.schedules.LearningRateSchedule | None:
    rate = getattr(optimizer, "_learning_rate", None)
    if isinstance(rate, keras.optimizers.schedules.LearningRateSchedule):
        return rate
    return None


def _current_rate(optimizer) -> float | None:
    try:
        return float(optimizer.learning_rate)
    except (AttributeError, TypeError, ValueError):
        return None


def describe_optimizer(optimizer) -> str:
    """``"Adam 0.001"``, ``"SGD 0.02, momentum 0.9, Nesterov"``, ``"Adam, ExponentialDecay..."``."""
    if optimizer is None:
        return "no optimizer"
    name = type(optimizer).__name__
    schedule = _schedule(optimizer)
    if schedule is not None:
        config_ = {}
        with contextlib.suppress(NotImplementedError, AttributeError, TypeError):
            config_ = schedule.get_config()
        start = config_.get("initial_learning_rate")
        start_text = f" from {_rate_text(float(start))}" if isinstance(start, (int, float)) else ""
        text = f"{name}, {type(schedule).__name__}{start_text}"
    else:
        rate = _current_rate(optimizer)
        text = name if rate is None else f"{name} {_rate_text(rate)}"
    momentum = getattr(optimizer, "momentum", None)
    if isinstance(optimizer, keras.optimizers.SGD) and momentum:
        text += f", momentum {float(momentum):.3g}"
        if getattr(optimizer, "nesterov", False):
            text += ", Nesterov"
    return text


class OptimizerControls:
    """``TrainingPanel``'s optimizer dropdown and rate slider, kept in step with the model.

    Expects ``model``, ``_optimizer`` (Dropdown), ``_learning_rate`` (FloatLogSlider),
    ``_rate_note`` (HTML), ``_syncing`` and ``_rate_touched`` (bools), ``_x_train``,
    ``_y_train``, ``_y_test`` on the panel.
    """

    def _sync_optimizer_controls(self) -> None:
        """Show the model's own optimizer and rate (a schedule disables the rate control)."""
        model = self.model
        optimizer = getattr(model, "optimizer", None) if model is not None else None
        self._syncing, was = True, self._syncing
        try:
            new_choices = [
                (f"new {name.upper() if name == 'sgd' else name.title()}", name)
                for name in OPTIMIZERS
            ]
            if optimizer is None:
                self._optimizer.options = new_choices
                self._optimizer.value = OPTIMIZERS[0]
                self._learning_rate.value = DEFAULT_LEARNING_RATES[OPTIMIZERS[0]]
                self._learning_rate.disabled = False
                self._rate_note.value = status_html(
                    "the model has no optimizer: Train compiles it with the one chosen here."
                )
            else:
                own = f"{describe_optimizer(optimizer)} (the model's own)"
                self._optimizer.options = [(own, MODEL_OPTIMIZER), *new_choices]
                self._optimizer.value = MODEL_OPTIMIZER
                self._show_own_rate(optimizer)
            self._rate_touched = False
        finally:
            self._syncing = was

    def _show_own_rate(self, optimizer) -> None:
        schedule = _schedule(optimizer)
        rate = _current_rate(optimizer)
        if schedule is not None or rate is None:
            self._learning_rate.disabled = True
            now = f" (now {_rate_text(rate)})" if rate is not None else ""
            self._rate_note.value = status_html(
                f"the rate follows the model's schedule, {type(schedule).__name__}{now}; "
                "choose a new optimizer to set a fixed rate."
            )
            if rate is not None and rate > 0:
                self._learning_rate.value = rate
        else:
            self._learning_rate.disabled = False
            self._learning_rate.value = rate
            low, high = self._learning_rate.base ** np.array(
                [self._learning_rate.min, self._learning_rate.max]
            )
            self._rate_note.value = (
                status_html(
                    f"the model's rate {_rate_text(rate)} lies outside the slider's range; "
                    "it is kept unless you move the slider."
                )
                if not low <= rate <= high
                else ""
            )

    def _on_optimizer_changed(self, change) -> None:
        if self._syncing:
            return
        self._syncing = True
        try:
            if change["new"] == MODEL_OPTIMIZER:
                self._show_own_rate(self.model.optimizer)
                self._rate_touched = False
            else:
                self._learning_rate.disabled = False
                self._learning_rate.value = DEFAULT_LEARNING_RATES[change["new"]]
                self._rate_touched = True
                self._rate_note.value = status_html(
                    f"Train replaces the model's optimizer with a new {change['new']} "
                    "(its state starts fresh)."
                )
        finally:
            self._syncing = False

    def _on_rate_changed(self, change) -> None:
        if not self._syncing:
            self._rate_touched = True

    def _fresh_model(self):
        try:
            shape, classes = model_io(self.model)
        except ValueError:  # A subclassed model has no shapes to copy: fit the data instead.
            shape = tuple(prepare_images(self._x_train[:1]).shape[1:])
            classes = max(2, int(max(self._y_train.max(), self._y_test.max())) + 1)
        choice = self._optimizer.value
        old = getattr(self.model, "optimizer", None)
        if choice == MODEL_OPTIMIZER and old is not None:
            fresh = build_lenet(shape, classes, compile=False)
            optimizer = type(old).from_config(old.get_config())  # Same kind and settings.
            if self._rate_touched and _schedule(old) is None:
                optimizer.learning_rate = float(self._learning_rate.value)
            fresh.compile(
                optimizer=optimizer,
                loss="sparse_categorical_crossentropy",
                metrics=["accuracy"],
            )
            return fresh
        name = choice if choice in OPTIMIZERS else OPTIMIZERS[0]
        return build_lenet(
            shape, classes, optimizer=name, learning_rate=float(self._learning_rate.value)
        )

    def _apply_optimizer_settings(self) -> str:
        """Keep the model's optimizer; change its rate or replace it only on an explicit choice.

        Returns:
            What changed, for the status line ("" when nothing did).
        """
        model = self.model
        choice = self._optimizer.value
        rate = float(self._learning_rate.value)
        if choice != MODEL_OPTIMIZER or model.optimizer is None:
            name = choice if choice in OPTIMIZERS else OPTIMIZERS[0]
            compile_lenet(model, name, rate)
            self._sync_optimizer_controls()
            return f"new optimizer: {describe_optimizer(model.optimizer)}, fresh state"
        optimizer = model.optimizer
        if not self._rate_touched or _schedule(optimizer) is not None:
            return ""
        current = _current_rate(optimizer)
        self._rate_touched = False
        if current is not None and math.isclose(current, rate, rel_tol=1e-6):
            return ""
        optimizer.learning_rate = rate  # Same optimizer, same state, new rate.
        self._sync_optimizer_controls()
        return f"learning rate {_rate_text(rate)} (optimizer state kept)"
