"""Writes the files a command is asked for with --out, whole or not at all."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["write_atomically"]


def write_atomically(out: str, write: Callable[[Any], object], *, binary: bool = False) -> None:
    """Write a file beside its target and rename it into place, so an interruption never leaves half a file."""
    from errors import InputError, Location

    partial = Path(out).with_name(Path(out).name + ".partial")
    try:
        with partial.open("wb") if binary else partial.open("w", encoding="utf-8", newline="") as target:
            write(target)
        partial.replace(out)
    except OSError as error:
        raise InputError(
            f"cannot write the file: {error.strerror}",
            Location(file=out),
            hint="check that the folder exists and is writable, or choose another --out",
        ) from None
    finally:
        partial.unlink(missing_ok=True)
