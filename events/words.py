"""The closed word lists of the vocabulary: capabilities, stances, comparators, subjects.

Plain typing, no validation library: projections and charts name these words
without loading the models that check them (events.vocabulary).
"""

from __future__ import annotations

from typing import Literal, get_args

__all__ = [
    "CAPABILITIES",
    "COMPARATORS",
    "STANCES",
    "STANCE_ORDER",
    "SUBJECTS",
    "Capability",
    "Comparator",
    "Stance",
    "Subject",
]

Capability = Literal[
    "troops",
    "logistics",
    "air_cover",
    "fast_jets",
    "naval",
    "surveillance",
    "intelligence",
    "engineering",
    "backfill",
    "training",
    "funding",
    "political_backing",
    "unspecified",
]
Stance = Literal["declined", "undecided", "in_talks", "considering", "supporting"]
Comparator = Literal["=", "~", ">", ">=", "<", "<="]
Subject = Literal["participants", "troops"]

CAPABILITIES: tuple[str, ...] = get_args(Capability)
STANCES: tuple[str, ...] = get_args(Stance)
# the order people read stances in, the firmest first (tables, counts, charts)
STANCE_ORDER: tuple[str, ...] = ("supporting", "considering", "undecided", "in_talks", "declined")
COMPARATORS: tuple[str, ...] = get_args(Comparator)
SUBJECTS: tuple[str, ...] = get_args(Subject)
