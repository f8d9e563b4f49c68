"""Normalises actors: countries to ISO 3166-1 alpha-2, organisations to registered codes."""

from __future__ import annotations

import difflib
import unicodedata
from functools import lru_cache

from errors import InputError

__all__ = ["ORGANISATIONS", "UnknownActorError", "actor_name", "normalise_actor"]

# Registered organisations an actor may be besides a country.
ORGANISATIONS: dict[str, str] = {
    "EU": "European Union",
    "NATO": "North Atlantic Treaty Organization",
    "G7": "Group of Seven",
    "G20": "Group of Twenty",
    "UN": "United Nations",
    "UNSC": "United Nations Security Council",
    "OSCE": "Organization for Security and Co-operation in Europe",
    "COE": "Council of Europe",
    "ASEAN": "Association of Southeast Asian Nations",
    "IAEA": "International Atomic Energy Agency",
    "JEF": "Joint Expeditionary Force",
    "NB8": "Nordic-Baltic Eight",
}

# Common names that ISO 3166 does not use, mapped to alpha-2 codes or organisation codes.
_ALIASES: dict[str, str] = {
    "uk": "GB",
    "britain": "GB",
    "great britain": "GB",
    "england": "GB",
    "united kingdom": "GB",
    "us": "US",
    "usa": "US",
    "america": "US",
    "united states": "US",
    "united states of america": "US",
    "russia": "RU",
    "turkey": "TR",
    "vatican": "VA",
    "holy see": "VA",
    "iran": "IR",
    "syria": "SY",
    "north korea": "KP",
    "south korea": "KR",
    "korea": "KR",
    "taiwan": "TW",
    "vietnam": "VN",
    "laos": "LA",
    "moldova": "MD",
    "bolivia": "BO",
    "venezuela": "VE",
    "tanzania": "TZ",
    "czech republic": "CZ",
    "ivory coast": "CI",
    "macedonia": "MK",
    "burma": "MM",
    "swaziland": "SZ",
    "palestine": "PS",
    "kosovo": "XK",
    "european union": "EU",
    "nato": "NATO",
    "group of seven": "G7",
    "united nations": "UN",
}

_EXTRA_CODES = {"XK": "Kosovo"}  # user-assigned code widely used for Kosovo


class UnknownActorError(InputError, ValueError):
    """An actor that is neither a known country nor a registered organisation."""

    def __init__(self, given: str, suggestions: list[str]) -> None:
        self.given = given
        self.suggestions = suggestions
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        InputError.__init__(self, f"unknown actor {given!r}{hint}")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).lower().replace(".", "").split())


@lru_cache(maxsize=1)
def _name_index() -> dict[str, str]:
    """Every folded name, alpha-2 and alpha-3 code of every country and organisation."""
    import pycountry

    index: dict[str, str] = {}
    for country in pycountry.countries:
        code = country.alpha_2
        for name in (
            country.alpha_2,
            country.alpha_3,
            country.name,
            getattr(country, "common_name", None),
            getattr(country, "official_name", None),
        ):
            if name:
                index.setdefault(_fold(name), code)
    for code, name in {**ORGANISATIONS, **_EXTRA_CODES}.items():
        index[_fold(code)] = code
        index[_fold(name)] = code
    index.update(_ALIASES)
    return index


@lru_cache(maxsize=4096)
def normalise_actor(given: str) -> str:
    """Return the canonical code for a country or organisation name, code or alias."""
    if not isinstance(given, str) or not given.strip():
        raise UnknownActorError(str(given), [])
    index = _name_index()
    folded = _fold(given)
    if folded in index:
        return index[folded]
    close = difflib.get_close_matches(folded, list(index), n=5, cutoff=0.75)
    codes = list(dict.fromkeys(index[name] for name in close))[:3]
    suggestions = [code if actor_name(code) == code else f"{code} ({actor_name(code)})" for code in codes]
    raise UnknownActorError(given, suggestions)


@lru_cache(maxsize=4096)
def actor_name(code: str) -> str:
    """Return a readable name for a canonical actor code (the code itself when unknown)."""
    if code in ORGANISATIONS:
        return code
    if code in _EXTRA_CODES:
        return _EXTRA_CODES[code]
    import pycountry

    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    return str(getattr(country, "common_name", None) or country.name)
