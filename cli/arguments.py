"""Turns command-line arguments into the values the log uses, naming the flag when one is wrong."""

from __future__ import annotations

__all__ = ["actor_code"]


def actor_code(value: str, flag: str) -> str:
    """Return the canonical code of an actor given on the command line, or raise an input error naming the flag."""
    from core import InputError, Location
    from events import normalise_actor

    try:
        return normalise_actor(value)
    except ValueError as error:
        raise InputError(
            str(error),
            Location(field=flag),
            hint="give a country name or ISO code (Poland, PL, POL) or an organisation code (EU, NATO, G7)",
        ) from None
