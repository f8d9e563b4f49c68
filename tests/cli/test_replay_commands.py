"""`dtl state`, `count`, `timeline`, `diff`, `history` on the bundled example."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from cli.main import main
from tests.cli.conftest import Dtl
from tests.support import EXAMPLE


@pytest.fixture
def example(initialised: Dtl) -> Dtl:
    for name in ("sources.jsonl", "events.jsonl"):
        assert initialised("import", str(EXAMPLE / name)).exit_code == 0
    return initialised


def state(dtl: Dtl, *args: str) -> dict:
    result = dtl("state", *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_state_as_of_the_first_article(example: Dtl) -> None:
    document = state(example, "--as-of", "2025-03-12")
    members = document["members"]
    assert document["stream"] == "ukraine-coalition"
    assert document["position"] == 49
    assert members["IT"]["stance"] == "declined"
    assert members["DE"]["stance"] == members["ES"]["stance"] == "undecided"
    assert members["PL"]["stance"] == "supporting"
    assert members["PL"]["offers"] == ["logistics"]
    assert "troops" in members["PL"]["ruled_out"]
    assert members["PL"]["events"] == ["ft-0310-pl-logistics"]
    assert members["AU"]["stance"] == "considering"
    assert "US" not in members
    latest = document["reported_size"]["latest"]
    assert (latest["comparator"], latest["amount"]) == ("~", 20)
    assert latest["sources"] == ["ft-2025-03-10"]


def test_state_as_of_the_second_article(example: Dtl) -> None:
    document = state(example, "--as-of", "2025-03-17")
    assert document["members"]["AU"]["stance"] == "supporting"
    assert "troops" in document["members"]["AU"]["offers"]
    latest = document["reported_size"]["latest"]
    assert (latest["comparator"], latest["amount"], latest["attributed_to"]) == (">", 30, "Downing Street")
    assert document["reported_size"]["named_floor"] == document["stance_counts"]["supporting"]
    assert [claim["amount"] for claim in document["reported_size"]["claims"]] == [20, 30]


def test_no_claim_is_counted_before_last_week_has_ended(example: Dtl) -> None:
    result = example("count", "--as-of", "2025-03-08", "--json")
    assert json.loads(result.output)["latest"] is None
    on_ninth = json.loads(example("count", "--as-of", "2025-03-09", "--json").output)
    assert on_ninth["latest"]["amount"] == 20


def test_count_series_shows_the_claims_growing(example: Dtl) -> None:
    series = json.loads(example("count", "--series", "--json").output)["series"]
    assert [(point["comparator"], point["amount"]) for point in series] == [("~", 20), (">", 30)]
    troops = json.loads(example("count", "--series", "--subject", "troops", "--json").output)["series"]
    assert [(point["comparator"], point["amount"]) for point in troops] == [("<=", 30000)]


def test_diff_names_australias_change(example: Dtl) -> None:
    result = example("diff", "2025-03-12", "2025-03-17")
    assert result.exit_code == 0
    assert "stance: AU considering -> supporting" in result.output
    changes = json.loads(example("diff", "2025-03-12", "2025-03-17", "--json").output)
    assert changes["stance_changes"]["AU"] == {"from": "considering", "to": "supporting"}
    assert {"DK", "SE"} <= set(changes["joined"])


def test_known_at_ignores_a_retraction_recorded_later(example: Dtl) -> None:
    retracted = example(
        "append", "event.retracted", "--occurred", "2025-03-17", "--id", "retract-italy",
        "--data", '{"target": "ft-0310-it-declined", "reason": "misattributed"}', "--source", "ft-2025-03-17",
    )  # fmt: skip
    assert retracted.exit_code == 0, retracted.output
    assert "IT" not in state(example, "--as-of", "2025-03-12")["members"]
    before = state(example, "--as-of", "2025-03-12", "--known-at", "49")
    assert before["members"]["IT"]["stance"] == "declined"
    assert before["known_at"] == 49


def test_timeline_and_history(example: Dtl) -> None:
    timeline = json.loads(example("timeline", "--from", "2025-03-17", "--actor", "Australia", "--json").output)
    assert [entry["id"] for entry in timeline["events"]][-1] == "ft-0317-au-troops"
    history = json.loads(example("history", "Australia", "--json").output)["history"]
    assert [entry["stance"] for entry in history][:2] == [
        None,
        "considering",
    ]  # the call with Starmer (hosted before Britain's pledge counts: no member convened it), then "consider"
    assert history[-1]["stance"] == "supporting"
    table = example("history", "AU")
    assert "ft-0317-au-troops" in table.output


@pytest.mark.parametrize("flag", ["--as-of", "--known-at"])
def test_bad_dates_exit_2_naming_the_flag(example: Dtl, flag: str) -> None:
    result = example("state", flag, "2025-02-30")
    assert result.exit_code == 2
    assert flag in result.output


@pytest.mark.postgres
def test_state_json_is_byte_identical_on_sqlite_and_postgres(sqlite_url: str, postgres_url: str) -> None:
    runner = CliRunner()
    outputs = {}
    for url in (sqlite_url, postgres_url):
        assert runner.invoke(main, ["--db", url, "init"]).exit_code == 0
        for name in ("sources.jsonl", "events.jsonl"):
            assert runner.invoke(main, ["--db", url, "import", str(EXAMPLE / name)]).exit_code == 0
        outputs[url] = [
            runner.invoke(main, ["--db", url, "state", "--as-of", day, "--json"]).output
            for day in ("2025-03-08", "2025-03-12", "2025-03-17", "2025-12")
        ]
    sqlite_output, postgres_output = outputs.values()
    assert sqlite_output == postgres_output
    assert '"named_floor": 9' in sqlite_output[2]


def test_state_prints_its_answer_before_it_saves_the_snapshots_the_replay_left(
    example: Dtl, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Saving snapshots waits until the answer is out: a cache is never what a reader waits for."""
    import sys

    from core.snapshots import SnapshotRecorder
    from core.sqlite_reads import SQLiteSnapshots
    from projections import engine

    monkeypatch.setattr(engine, "_WORTH_SAVING", 1)  # the example log is small: save whatever it replays
    printed_before_saving: list[str] = []
    # the store's snapshots, or those of a SQLite log read through sqlite3 alone (the example's)
    for kept in (SnapshotRecorder, SQLiteSnapshots):

        def watched(recorder: Any, taken: list, save: Any = kept.save_snapshots) -> None:
            sys.stdout.flush()
            printed_before_saving.append(sys.stdout.buffer.getvalue().decode())  # type: ignore[attr-defined]
            save(recorder, taken)

        monkeypatch.setattr(kept, "save_snapshots", watched)
    document = state(example, "--as-of", "2025-03-17")
    assert len(printed_before_saving) == 1
    assert json.loads(printed_before_saving[0]) == document
    again = example("state", "--as-of", "2025-03-17", "--json")
    assert json.loads(again.output) == document
    assert len(printed_before_saving) == 1, "the second run resumed from the saved snapshot: nothing new to save"
