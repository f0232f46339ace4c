"""The Feature maps tab's "◀ misclassified / misclassified ▶" buttons.

``Mistakes`` holds the predicted class of each test digit for one set of weights,
filled chunk by chunk; ``MistakeFinder`` is the part of ``FeatureMapsPanel`` that
finds the next or previous mistake in a ``LatestJob`` (a newer click wins) and says
where the digit shown stands (a mixin: it builds its buttons, ``FeatureMapsPanel``
places them).
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from lenet_widgets.core.attribution import predict_classes
from lenet_widgets.core.model import weights_fingerprint
from lenet_widgets.text import plural
from lenet_widgets.ui.controls import action_button
from lenet_widgets.ui.jobs import LatestJob
from lenet_widgets.ui.status import status_html

__all__ = ["CHUNK", "MistakeFinder", "Mistakes"]

CHUNK = 500
"""Test digits predicted at once while looking for the next misclassified one."""


class Mistakes:
    """Predicted classes of the test digits for one set of weights, filled chunk by chunk.

    Finding the next mistake predicts only the chunks between the shown digit and
    it (about 0.1 s for 500 digits), not all 10,000 test digits first.
    """

    def __init__(self, fingerprint: str, labels: np.ndarray) -> None:
        self.fingerprint = fingerprint
        self.labels = np.asarray(labels).astype(np.int64)
        self.predicted = np.full(len(labels), -1, dtype=np.int64)

    def search(self, index: int, direction: int) -> int | None:
        """The next mistake after ``index`` in ``direction`` (wrapping); -1 if there is none.

        None when an unchecked digit comes first (predict ``next_unknown_chunk``).
        """
        labels = self.labels
        count = len(self.predicted)
        order = (index + direction * np.arange(1, count + 1)) % count
        predicted = self.predicted[order]
        unknown = np.flatnonzero(predicted < 0)
        wrong = np.flatnonzero((predicted >= 0) & (predicted != labels[order]))
        first_unknown = int(unknown[0]) if len(unknown) else count
        if len(wrong) and int(wrong[0]) < first_unknown:
            return int(order[int(wrong[0])])
        return -1 if first_unknown == count else None

    def next_unknown_chunk(self, index: int, direction: int) -> slice:
        """The chunk of ``CHUNK`` digits holding the first unchecked one after ``index``."""
        count = len(self.predicted)
        order = (index + direction * np.arange(1, count + 1)) % count
        position = int(order[np.flatnonzero(self.predicted[order] < 0)[0]])
        start = position // CHUNK * CHUNK
        return slice(start, min(start + CHUNK, count))


class MistakeFinder:
    """``FeatureMapsPanel``'s search for misclassified digits (see the module docstring).

    Expects ``model``, ``index``, ``_images`` and ``_labels`` on the panel, which calls
    ``_build_mistake_finder`` once.
    """

    def _build_mistake_finder(self, background: bool) -> None:
        """Make the buttons (``_previous_wrong``, ``_next_wrong``), ``_wrong_status``, the job."""
        self._previous_wrong = action_button(
            "◀ misclassified", "the previous test digit the model gets wrong", width="auto"
        )
        self._next_wrong = action_button(
            "misclassified ▶", "the next test digit the model gets wrong", width="auto"
        )
        self._wrong_status = widgets.HTML()
        self._mistakes: Mistakes | None = None
        self._wrong_job = LatestJob(
            self._on_wrong_error, background=background, name="lenet-mistakes"
        )
        self._previous_wrong.on_click(lambda _: self.step_misclassified(-1))
        self._next_wrong.on_click(lambda _: self.step_misclassified(+1))
        if self._labels is None:
            for button in (self._previous_wrong, self._next_wrong):
                button.disabled = True
                button.tooltip = "no labels were given: mistakes cannot be found"

    def step_misclassified(self, direction: int) -> None:
        """Show the next (``+1``) or previous (``-1``) test digit the model gets wrong."""
        if self._labels is None:
            self._wrong_status.value = status_html(
                "no labels were given: misclassified digits cannot be found.", "error"
            )
            return
        model = self.model
        if model is None:
            return
        try:
            fingerprint = weights_fingerprint(model)
        except Exception as error:
            self._wrong_status.value = status_html(f"{type(error).__name__}: {error}", "error")
            return
        if self._mistakes is None or self._mistakes.fingerprint != fingerprint:
            self._mistakes = Mistakes(fingerprint, self._labels)
        mistakes = self._mistakes
        self._wrong_job.cancel()  # An older search never jumps after this click.
        found = mistakes.search(self.index, direction)
        if found is not None:  # Known without computing anything.
            self._jump(found)
            return
        self._wrong_status.value = status_html("looking for the next misclassified digit…")
        self._wrong_job.submit(
            lambda is_current: self._find_wrong(is_current, model, mistakes, direction),
            lambda found: self._jump(found) if found is not None and model is self.model else None,
        )

    def _find_wrong(self, is_current, model, mistakes: Mistakes, direction: int) -> int | None:
        """Predict chunk after chunk, from the shown digit on, until a mistake is found.

        Runs in the job's thread; None when superseded (another click, another model).
        """
        start = self.index
        while True:
            found = mistakes.search(start, direction)
            if found is not None:
                return found
            if not is_current() or model is not self.model:
                return None
            chunk = mistakes.next_unknown_chunk(start, direction)
            mistakes.predicted[chunk] = predict_classes(model, self._images[chunk])

    def _on_wrong_error(self, error: BaseException) -> None:
        self._wrong_status.value = status_html(f"{type(error).__name__}: {error}", "error")

    def _jump(self, target: int) -> None:
        if target < 0:
            self._wrong_status.value = status_html(
                f"no misclassified digit: all {plural(len(self._images), 'test digit')} "
                "are classified right.",
                "ok",
            )
            return
        if target == self.index:
            self._show_wrong_position()
        else:
            self.index = target  # Shows the position through _on_index_changed.

    def _show_wrong_position(self) -> None:
        mistakes = self._mistakes
        if mistakes is None or self.model is None or self._labels is None:
            return
        known = mistakes.predicted >= 0
        wrong = np.flatnonzero(known & (mistakes.predicted != self._labels))
        checked = int(np.count_nonzero(known))
        total = plural(len(self._images), "test digit")
        here = int(mistakes.predicted[self.index])
        if checked == len(self._images):
            where = np.flatnonzero(wrong == self.index)
            if len(where):
                text = f"misclassified digit {int(where[0]) + 1} of {len(wrong):,} (among {total})"
            else:
                text = f"{len(wrong):,} of {total} are misclassified; this one is right"
        else:
            state = {True: "misclassified", False: "classified right"}.get(
                here >= 0 and here != int(self._labels[self.index]), "misclassified"
            )
            if here < 0:
                state = "not checked yet"
            text = (
                f"this digit: {state}; {plural(len(wrong), 'mistake')} among the "
                f"{checked:,} of {total} checked so far"
            )
        self._wrong_status.value = status_html(text)
