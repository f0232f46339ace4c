"""Small wording helpers shared by the panels and the command line."""

from __future__ import annotations

__all__ = ["model_line", "plural"]


def plural(count: int, noun: str) -> str:
    """``"1 epoch"``, ``"2 epochs"``, ``"1,256,080 parameters"``: a count with its noun."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def model_line(info: dict) -> str:
    """One line from ``describe_model``'s dict: layers, parameters, optimizer, epochs trained."""
    optimizer = info.get("optimizer") or "no optimizer"
    return (
        f"{info['name']}: {plural(info['layers'], 'layer')}, "
        f"{plural(info['parameters'], 'parameter')}, "
        f"{optimizer} ({plural(info['optimizer_steps'], 'step')}), "
        f"{plural(info['epochs_trained'], 'epoch')} trained"
    )
