"""Small wording helpers shared by the panels and the command line."""

from __future__ import annotations

__all__ = ["epochs_text", "model_line", "plural"]


def plural(count: int, noun: str) -> str:
    """``"1 epoch"``, ``"2 epochs"``, ``"1,256,080 parameters"``: a count with its noun."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def epochs_text(value: float) -> str:
    """``"1 epoch"``, ``"3 epochs"``, ``"1.2 epochs"``, ``"0.002 epochs"``: fractions honest.

    A run stopped part-way through an epoch trains a fraction of it; 2.96 reads
    ``"2.96 epochs"``, never ``"3.0"``.
    """
    value = float(value)
    if abs(value - round(value)) < 1e-3:
        return plural(round(value), "epoch")
    text = f"{value:.1g}" if value < 0.095 else f"{value:,.1f}"
    if float(text.replace(",", "")) == round(value):
        text = f"{value:,.2f}"
    return f"{text} epochs"


def model_line(info: dict) -> str:
    """One line from ``describe_model``'s dict: layers, parameters, optimizer, epochs trained."""
    optimizer = info.get("optimizer") or "no optimizer"
    return (
        f"{info['name']}: {plural(info['layers'], 'layer')}, "
        f"{plural(info['parameters'], 'parameter')}, "
        f"{optimizer} ({plural(info['optimizer_steps'], 'step')}), "
        f"{epochs_text(info['epochs_trained'])} trained"
    )
