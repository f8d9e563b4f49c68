"""The benchmark's results table judges issue 16's acceptance: ratios as speed-ups, targets counted where set."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from bench.measure import Sample
from bench.report import Target, _verdict, speed_up, table

K10, K100, M1 = 10_000, 100_000, 1_000_000


def _bench(results: dict[tuple[str, int | None], Sample]) -> Any:
    return SimpleNamespace(results=results)


def _row(rows: list[tuple[str, ...]], label_start: str, tier: str, peer_label: str) -> tuple[str, ...]:
    [row] = [row for row in rows if row[0].startswith(label_start) and row[1] == tier and row[3] == peer_label]
    return row


def test_a_ratio_above_one_means_faster_for_rates_and_for_times() -> None:
    assert speed_up("/s", 200.0, 100.0) == 2.0  # twice the events per second
    assert speed_up("ms", 100.0, 500.0) == 5.0  # a fifth of the time
    assert speed_up("MB", 100.0, 200.0) == 2.0  # half the memory


def test_a_target_counts_only_at_the_tiers_it_is_set_at() -> None:
    at_100k = Target("≥ 5× peer process", ratio_at_least=5, counted_at=(K100,))
    assert _verdict(at_100k, 1.0, 6.0, K100) == ("yes", True)
    assert _verdict(at_100k, 1.0, 4.0, K100) == ("NO", False)
    assert _verdict(at_100k, 1.0, 6.0, M1) == ("(yes)", None)
    assert _verdict(at_100k, 1.0, 4.0, K10) == ("(no)", None)


def test_a_target_from_an_earlier_brief_is_shown_but_never_counted() -> None:
    earlier = Target("≤ 50 ms", at_most=50, counted_at=(), earlier=True)
    assert _verdict(earlier, 10.0, None, M1) == ("(yes)", None)
    assert earlier.shown() == "≤ 50 ms (earlier brief, not counted)"


def test_the_cold_state_process_is_judged_by_the_peer_process_time_over_ours() -> None:
    results = {
        ("state.sqlite.cold", K100): Sample("time", [0.4, 0.5, 0.6]),
        ("state.sqlite.warm", K100): Sample("time", [0.3]),
        ("state.sqlite.eventsourcing", K100): Sample("time", [3.0]),
    }
    rows, tally = table(_bench(results))

    versus_peer = _row(rows, "`dtl state`", "100k", "eventsourcing replay, a new process")
    assert versus_peer[2:] == (
        "500 ms",
        "eventsourcing replay, a new process",
        "3,000 ms",
        "6.00×",
        "≥ 5× peer process; counts at 100k",
        "yes",
    )
    warm = _row(rows, "`dtl state`", "100k", "cold: no snapshots")
    assert warm[2:5] == ("300 ms", "cold: no snapshots", "500 ms")  # the warm run judged, the cold beside it
    assert warm[5] == ""  # shown for reading, not compared
    assert warm[6:] == ("≤ 1,500 ms; counts at 1M", "(yes)")
    assert (len(tally.met), tally.missed) == (1, [])


def test_the_state_process_at_1m_is_judged_warm_in_time_and_memory() -> None:
    results = {
        ("state.sqlite.cold", M1): Sample("time", [14.0]),
        ("state.sqlite.warm", M1): Sample("time", [1.4]),
        ("memory.state.sqlite.cold", M1): Sample("memory", [900 * 1024]),
        ("memory.state.sqlite.warm", M1): Sample("memory", [350 * 1024]),
    }
    rows, tally = table(_bench(results))

    assert _row(rows, "`dtl state`", "1M", "cold: no snapshots")[2:] == (
        "1,400 ms",
        "cold: no snapshots",
        "14,000 ms",
        "",
        "≤ 1,500 ms; counts at 1M",
        "yes",
    )
    assert _row(rows, "peak memory of that warm", "1M", "cold: no snapshots")[2:] == (
        "350 MB",
        "cold: no snapshots",
        "900 MB",
        "",
        "≤ 400 MB; counts at 1M",
        "yes",
    )
    assert len(tally.met) == 2


def test_the_import_counts_at_100k_as_well_as_at_1m() -> None:
    results = {("import.sqlite.ours", tier): Sample("rate", [1.0], count=tier) for tier in (K10, K100, M1)} | {
        ("import.sqlite.eventsourcing", tier): Sample("rate", [1.0], count=tier // 2) for tier in (K10, K100, M1)
    }
    rows, tally = table(_bench(results))

    assert [row[7] for row in rows if row[3] == "eventsourcing"] == ["(yes)", "yes", "yes"]
    assert len(tally.met) == 2


def test_a_counted_target_whose_figure_is_missing_is_reported_not_measured() -> None:
    results = {
        ("import.sqlite.ours", K100): Sample("rate", [1.0], count=K100),
        ("import.sqlite.eventsourcing", K100): Sample("rate", [1.0], count=K100),
    }
    _, tally = table(_bench(results))

    assert any(name.startswith("bulk import (`dtl import`), PostgreSQL at 100k") for name in tally.unmeasured)
    assert tally.missed == ["bulk import (`dtl import`), SQLite at 100k: ≥ 1.5× peer"]
