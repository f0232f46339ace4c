"""``ModelPanel``: the small base every model-bound panel shares.

What each panel used to write for itself, written once (as ipywidgets does in
its private base classes):

- the ``model`` trait and ONE validation: ``check_model(model)`` is the panel's
  public check (it raises ``ValueError`` or ``TypeError`` with the panel's
  message); the trait validator turns that into a ``TraitError`` so a refused
  model never replaces the current one. ``LeNetLab`` calls ``check_model`` of
  every panel before switching any of them.
- one observer, ``_on_model_change``, which calls the panel's ``_show_model``;
- the status line (``_status``, an HTML widget in ``ui/status.py``'s format) and
  ``set_status``;
- ``refresh()`` (redraw what depends on the weights) and ``wait(timeout)`` over
  the panel's ``LatestJob``s (``ui/jobs.py``), with one deadline;
- ``active``: whether the panel is on screen. A panel that is not does not draw:
  its drawing methods call ``_deferred()``, which marks it stale, and it draws
  (``_draw_stale``) when it becomes active. ``LeNetLab`` sets it from the tab
  selected, so tabs nobody opened cost nothing.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import traitlets

from lenet_widgets.ui.jobs import LatestJob, wait_all
from lenet_widgets.ui.status import status_html

__all__ = ["ModelPanel"]


class ModelPanel(widgets.VBox):
    """A vertical panel bound to one Keras model (see the module docstring).

    Subclasses override ``check_model`` (the refusals), ``_show_model`` (show a
    new model), ``refresh`` and, when they draw lazily, ``_draw_stale``; they put
    their background work in ``LatestJob``s listed in ``_jobs``.

    Public traits:
        model: the model shown; a model ``check_model`` refuses raises ``TraitError``.
        active: whether the panel is on screen (False: drawing waits until it is).
    """

    model = traitlets.Any(allow_none=True, help="the Keras model the panel shows")
    active = traitlets.Bool(True, help="whether the panel is on screen; off: drawing waits")

    def __init__(self, **kwargs: Any) -> None:
        self._stale = False
        self._jobs: tuple[LatestJob, ...] = ()
        self._status = widgets.HTML(value="")
        super().__init__(**kwargs)

    # ------------------------------------------------------------------ public

    def check_model(self, model: Any) -> None:
        """Raise ``ValueError`` (or ``TypeError``) saying why this panel cannot show ``model``.

        The base accepts every model; panels override it with their own refusals.
        ``None`` (no model) is never passed here.
        """

    def refresh(self) -> None:
        """Redraw what depends on the model's weights (after training changed them in place)."""
        self._draw_stale()

    def wait(self, timeout: float | None = 60.0) -> bool:
        """Block until the panel's background work is done; True if it is, False at the deadline."""
        return wait_all(self._jobs, timeout)

    def set_status(self, message: str, kind: str = "info") -> None:
        """Show ``message`` in the status line (``kind``: info, ok, warning or error)."""
        self._status.value = status_html(message, kind)

    @property
    def stale(self) -> bool:
        """True when something changed while the panel was not active (it draws when shown)."""
        return self._stale

    # ------------------------------------------------------------------ for subclasses

    def _show_model(self, model: Any) -> None:
        """Show ``model`` (already checked); ``None`` means no model."""

    def _draw_stale(self) -> None:
        """Draw everything from the current state (called when a stale panel is shown)."""

    def _deferred(self) -> bool:
        """True (and the panel marked stale) when the panel is not on screen: skip drawing."""
        if self.active:
            return False
        self._stale = True
        return True

    # ------------------------------------------------------------------ traits

    @traitlets.validate("model")
    def _validate_model(self, proposal: dict) -> Any:
        model = proposal["value"]
        if model is not None:
            try:
                self.check_model(model)
            except (ValueError, TypeError) as error:  # The current model stays.
                raise traitlets.TraitError(str(error)) from None
        return model

    @traitlets.observe("model")
    def _on_model_change(self, change: dict) -> None:
        self._show_model(change["new"])

    @traitlets.observe("active")
    def _on_active_change(self, change: dict) -> None:
        if change["new"] and self._stale:
            self._stale = False
            self._draw_stale()
