"""`make eval`: how close `dtl draft` comes to the analysts' hand-made log of the two founding articles.

For each founding article, the drafts of its text are compared with the events of the example log that cite it,
as (actor, type) pairs: a draft counts as right when the article's hand-made events hold a pair the same (the
data, dates and quotes are left to the reviewer). Pairs are counted as a multiset (three condition.stated of
Ireland in the log are three pairs, and a draft matches at most one of them), and also as a set, printed beside.

    precision = matched drafts / drafts          recall = matched events / events of the log

The articles are read from ../shared/seeds (or the folder DTL_SEED_TEXTS names); they are not in the repository.
Exit 1 when a target is missed (recall >= 80%, precision >= 70%), 2 when the articles are not at hand.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "coalition-of-the-willing"
SEED_NAMES = {"ft-2025-03-10": "000_20e7820ea15acb11.txt", "ft-2025-03-17": "002_bb8b0bda6ea5c74b.txt"}
TARGET_RECALL, TARGET_PRECISION = 0.80, 0.70

Pair = tuple[str, str]


def _seed_folder() -> Path:
    named = os.environ.get("DTL_SEED_TEXTS")
    return Path(named) if named else ROOT.parent / "shared" / "seeds"


def _published() -> dict[str, str]:
    lines = (EXAMPLE / "sources.jsonl").read_text(encoding="utf-8").splitlines()
    return {item["data"]["source_id"]: item["data"]["published"] for item in map(json.loads, lines) if item}


def _expected() -> dict[str, Counter[Pair]]:
    expected: dict[str, Counter[Pair]] = {source: Counter() for source in SEED_NAMES}
    for line in (EXAMPLE / "events.jsonl").read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        for source in {ref["source"] for ref in event.get("sources", [])}:
            if source in expected:
                expected[source][(event.get("actor") or "-", event["type"])] += 1
    return expected


def _drafted(text: str, published: str) -> Counter[Pair]:
    from service.drafting import draft_text

    return Counter((made.actor or "-", made.type) for made in draft_text(text, date.fromisoformat(published)))


def _scores(drafted: Counter[Pair], expected: Counter[Pair]) -> tuple[int, int, int]:
    """Return (matched, drafts, expected) counted as multisets."""
    return sum((drafted & expected).values()), sum(drafted.values()), sum(expected.values())


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def main() -> int:
    """Print precision and recall per article and overall; exit 1 when a target is missed."""
    folder = _seed_folder()
    missing = [name for name in SEED_NAMES.values() if not (folder / name).is_file()]
    if missing:
        print(f"the founding articles are not in {folder} ({', '.join(missing)}); set DTL_SEED_TEXTS", file=sys.stderr)
        return 2
    published, expected = _published(), _expected()
    totals = [0, 0, 0]
    set_totals = [0, 0, 0]
    print(f"{'article':16} {'drafts':>6} {'events':>6} {'matched':>7} {'precision':>9} {'recall':>7}")
    for source, name in SEED_NAMES.items():
        drafted = _drafted((folder / name).read_text(encoding="utf-8"), published[source])
        matched, drafts, events = _scores(drafted, expected[source])
        totals = [totals[0] + matched, totals[1] + drafts, totals[2] + events]
        as_sets = set(drafted) & set(expected[source]), set(drafted), set(expected[source])
        set_totals = [set_totals[i] + len(part) for i, part in enumerate(as_sets)]
        precision, recall = _ratio(matched, drafts), _ratio(matched, events)
        print(f"{source:16} {drafts:6} {events:6} {matched:7} {precision:9.0%} {recall:7.0%}")
        if "-v" in sys.argv[1:]:
            for pair in sorted((drafted - expected[source]).elements()):
                print(f"    drafted, not in the log: {pair[0]} {pair[1]}")
            for pair in sorted((expected[source] - drafted).elements()):
                print(f"    in the log, not drafted: {pair[0]} {pair[1]}")
    precision, recall = _ratio(totals[0], totals[1]), _ratio(totals[0], totals[2])
    print(f"{'both (multiset)':16} {totals[1]:6} {totals[2]:6} {totals[0]:7} {precision:9.0%} {recall:7.0%}")
    matched, drafts, events = set_totals
    set_precision, set_recall = _ratio(matched, drafts), _ratio(matched, events)
    print(f"{'both (set)':16} {drafts:6} {events:6} {matched:7} {set_precision:9.0%} {set_recall:7.0%}")
    met = recall >= TARGET_RECALL and precision >= TARGET_PRECISION
    print(f"targets: recall >= {TARGET_RECALL:.0%}, precision >= {TARGET_PRECISION:.0%}: {'met' if met else 'MISSED'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
