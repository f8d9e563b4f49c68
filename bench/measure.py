"""Runs the measurements of each tier, and the cold starts, collecting samples and self-checks.

What users run (`dtl import`, `dtl verify`, `dtl state`, `dtl --help`) runs as a
subprocess timed by the wall clock; what the Python API does (one-at-a-time
appends, replays, as-of queries) and the peers run in a fresh worker process
each (see bench.worker) that times only the work itself.
"""

from __future__ import annotations

import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from bench.databases import Databases, sqlite_path
from bench.generate import STREAMS, LogFacts, Source, extra_events, make_sources, write_log
from bench.serve import Served, percentile, served, writer_token

__all__ = ["ROOT", "Bench", "Check", "Plan", "Repetitions", "Sample", "tier_label"]

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "coalition-of-the-willing"
EXAMPLE_AS_OF = "2025-03-17"
_HTTP_MAX_BODY = 64 * 1024**3  # the whole log is one NDJSON request


def tier_label(size: int) -> str:
    """10k, 100k, 1M."""
    if size >= 1_000_000 and size % 1_000_000 == 0:
        return f"{size // 1_000_000}M"
    if size >= 1000 and size % 1000 == 0:
        return f"{size // 1000}k"
    return str(size)


@dataclass
class Sample:
    """Repeated measurements of one figure: seconds (rates, times) or kilobytes (memory)."""

    kind: Literal["rate", "time", "memory"]
    values: list[float]
    count: int = 0  # events handled per repetition, for a rate

    @property
    def value(self) -> float:
        """Events per second, milliseconds or megabytes: from the median time, or the peak memory."""
        if self.kind == "rate":
            return self.count / statistics.median(self.values)
        if self.kind == "time":
            return statistics.median(self.values) * 1000
        return max(self.values) / 1024


@dataclass(frozen=True)
class Check:
    """One self-check of the benchmark's answers; `ok` is None when it could not run."""

    name: str
    ok: bool | None
    detail: str = ""


@dataclass(frozen=True)
class Repetitions:
    """How often each kind of measurement is repeated in one tier."""

    imports: int  # our imports (SQLite, PostgreSQL) and the raw sqlite3 floor
    peers: int  # the eventsourcing imports and reconstructions
    others: int  # replays, as-of queries, verify, one-at-a-time appends

    def __str__(self) -> str:
        return f"{self.imports} of our imports, {self.peers} of the peer's, {self.others} of the rest"


@dataclass(frozen=True)
class Plan:
    """What to run: tiers, repetitions, where, and with which PostgreSQL (None: SQLite only)."""

    tiers: list[int]
    workdir: Path
    postgres: str | None
    repeat: int | None = None
    quick: bool = False
    seed: int = 20250317
    appends: int = 1000
    http: bool = True  # the figures of `dtl serve`

    def repetitions(self, tier: int) -> Repetitions:
        """Fewer repetitions for bigger tiers; at 1M the peers run once, so the tier fits in ten minutes."""
        if self.repeat is not None:
            return Repetitions(self.repeat, self.repeat, self.repeat)
        if self.quick:
            return Repetitions(1, 1, 1)
        if tier >= 1_000_000:
            return Repetitions(2, 1, 3)
        return Repetitions(3, 3, 3) if tier >= 100_000 else Repetitions(5, 5, 5)


@dataclass
class _Tier:
    """One tier being measured: its log, its repetitions, and the digests of the answers so far."""

    size: int
    facts: LogFacts
    log_path: Path
    extra_path: Path
    repeat: Repetitions
    answers: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return tier_label(self.size)


@dataclass
class Bench:
    """Runs the plan and keeps every sample, keyed by (metric, tier), with notes and self-checks."""

    plan: Plan
    databases: Databases
    results: dict[tuple[str, int | None], Sample] = field(default_factory=dict)
    notes: dict[tuple[str, int | None], str] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    durations: dict[str, tuple[int, float]] = field(default_factory=dict)  # label: (events, seconds)
    facts: dict[str, LogFacts] = field(default_factory=dict)
    sources: list[Source] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)

    # -- plumbing --------------------------------------------------------------------------------

    def log(self, message: str) -> None:
        """Print progress to standard error with the time since the run started."""
        sys.stderr.write(f"[{time.perf_counter() - self.started:7.1f}s] {message}\n")
        sys.stderr.flush()

    def add(self, metric: str, tier: int | None, sample: Sample) -> None:
        self.results[(metric, tier)] = sample

    def worker(self, task: str, **arguments: Any) -> dict[str, Any]:
        """Run a task in a fresh process (bench.worker) and return its result."""
        seconds, output = self.timed([sys.executable, "-m", "bench.worker", task, json.dumps(arguments)])
        result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
        result.setdefault("wall_seconds", seconds)
        return result

    def timed(self, command: list[str]) -> tuple[float, str]:
        """Run a command, returning its wall-clock seconds and standard output; fail loudly if it fails."""
        _settle()
        started = time.perf_counter()
        process = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=_environment(), check=False)
        seconds = time.perf_counter() - started
        if process.returncode != 0:
            shown = " ".join(command)[:300]
            raise SystemExit(f"benchmark step failed (exit {process.returncode}): {shown}\n{process.stderr[-3000:]}")
        return seconds, process.stdout

    def measured(self, command: list[str], stdout: Path) -> tuple[float, int]:
        """Run a command with its standard output to a file; return its wall-clock seconds and peak RSS (KB).

        The command is started by a small process (`bench.peak`) that times it and reads its peak: Linux
        counts in a child's peak what its parent held when it started it, and this harness holds hundreds
        of megabytes at the 1M tier. The output goes to a file, so a large document is neither held by
        the harness nor slowed by a pipe.
        """
        errors = stdout.with_name(stdout.name + ".stderr")
        report = stdout.with_name(stdout.name + ".peak.json")
        wrapped = [sys.executable, "-m", "bench.peak", str(report), *command]
        _settle()
        with stdout.open("wb") as out, errors.open("wb") as err:
            process = subprocess.run(wrapped, cwd=ROOT, stdout=out, stderr=err, env=_environment(), check=False)
        if process.returncode != 0:
            shown = " ".join(command)[:300]
            message = errors.read_text(encoding="utf-8", errors="replace")[-3000:]
            raise SystemExit(f"benchmark step failed (exit {process.returncode}): {shown}\n{message}")
        errors.unlink()
        measured = json.loads(report.read_text(encoding="utf-8"))
        report.unlink()
        return measured["seconds"], measured["max_rss_kb"]  # kilobytes on Linux

    @staticmethod
    def dtl(url: str, *arguments: str) -> list[str]:
        return [str(_dtl_executable()), "--db", url, *arguments]

    # -- one tier --------------------------------------------------------------------------------

    def tier(self, size: int) -> None:
        """Generate a log of `size` events and measure everything on it, on SQLite and PostgreSQL."""
        label, started = tier_label(size), time.perf_counter()
        repeat = self.plan.repetitions(size)
        self.log(f"== tier {label}, repetitions: {repeat}")
        if not self.sources:
            self.sources = make_sources(self.plan.seed)
        log_path = self.plan.workdir / f"log-{label}.jsonl"
        facts = write_log(log_path, size, seed=self.plan.seed, sources=self.sources)
        mb = log_path.stat().st_size / 1e6
        self.log(f"[{label}] generated {size:,} events ({mb:.0f} MB) in {time.perf_counter() - started:.1f}s")
        extra_path = self.plan.workdir / f"extra-{label}.jsonl"
        extras = extra_events(self.plan.appends * repeat.others, seed=self.plan.seed, sources=self.sources)
        extra_path.write_text("".join(json.dumps(event) + "\n" for event in extras), encoding="utf-8")

        tier = _Tier(size, facts, log_path, extra_path, repeat)
        urls = self._on_sqlite(tier)
        if self.plan.postgres is not None:
            urls += self._on_postgres(tier)
        self._check_answers(tier)
        for url in urls:
            self.databases.drop(url)
        log_path.unlink()
        extra_path.unlink()
        self._state_processes(size, repeat)
        self.facts[label] = facts
        self.durations[label] = (size, time.perf_counter() - started)
        self.log(f"== tier {label} done in {self.durations[label][1]:.0f}s")

    def _on_sqlite(self, tier: _Tier) -> list[str]:
        label, size, repeat = tier.label, tier.size, tier.repeat
        ours, prepared = self._import_ours(tier, "sqlite")
        peer = self._import_peer(tier, "sqlite")

        floor = []
        for rep in range(repeat.imports):
            target = self.databases.sqlite(f"floor-{label}")
            arguments = {"source": str(sqlite_path(ours)), "target": str(sqlite_path(target))}
            result = self.worker("sqlite-floor", **arguments, after_position=prepared)
            floor.append(result["seconds"])
            self.databases.drop(target)
            self.log(f"[{label}] raw sqlite3 executemany {rep + 1}/{repeat.imports}: {result['seconds']:.2f}s")
        self.add("import.sqlite.raw", size, Sample("rate", floor, size))

        tier.answers["sqlite"] = self._replays(tier, "sqlite", ours, peer)

        seconds = []
        for rep in range(repeat.others):
            elapsed, _ = self.timed(self.dtl(ours, "verify"))
            seconds.append(elapsed)
            self.log(f"[{label}] dtl verify {rep + 1}/{repeat.others}: {elapsed:.2f}s")
        self.add("verify.sqlite.ours", size, Sample("rate", seconds, size + prepared))

        count = self.plan.appends
        mine, theirs = [], []
        for rep in range(repeat.others):
            batch = {"events": str(tier.extra_path), "start": rep * count, "count": count}
            mine.append(self.worker("appends", url=ours, **batch)["seconds"])
            theirs.append(self.worker("peer-appends", url=peer, **batch, stream=f"appends-{rep}")["seconds"])
            self.log(f"[{label}] {count} appends one at a time {rep + 1}: {mine[-1]:.2f}s, peer {theirs[-1]:.2f}s")
        self.add("append.sqlite.ours", size, Sample("rate", mine, count))
        self.add("append.sqlite.eventsourcing", size, Sample("rate", theirs, count))
        if self.plan.http:
            self._over_http(tier, ours)
        return [ours, peer]

    # -- over HTTP -------------------------------------------------------------------------------

    def _server(self, url: str, name: str) -> AbstractContextManager[Served]:
        """`dtl serve` on this log with a writer token of its own, for the length of a `with` block."""
        token = writer_token(self.dtl(url), name, _environment())
        log = self.plan.workdir / f"serve-{name}.log"
        return served(self.dtl(url), token, _environment(), max_body=_HTTP_MAX_BODY, log=log)

    def _over_http(self, tier: _Tier, ours: str) -> None:
        """The same question over HTTP and from the CLI, appends over HTTP, and the log imported as NDJSON."""
        label, size, facts, repeat = tier.label, tier.size, tier.facts, tier.repeat
        path, query = "/api/state", {"stream": facts.default_stream, "as_of": facts.query_day}
        # requests asked, or fewer once the budget (seconds) is spent: a slow answer must not stall a big tier
        asked, clients, each, budget = (100, 4, 25, 20.0) if self.plan.quick else (300, 4, 100, 60.0)

        cli = []
        for _ in range(repeat.others):
            command = self.dtl(ours, "state", "--json", "--stream", query["stream"], "--as-of", query["as_of"])
            cli.append(self.timed(command)[0])
        self.add("state.sqlite.cli", size, Sample("time", cli))
        self.log(f"[{label}] dtl state (a new process), same question: {statistics.median(cli) * 1000:.0f} ms")

        count = self.plan.appends
        events = extra_events(count * repeat.others, seed=self.plan.seed + 1000, sources=self.sources)
        for event in events:
            event["id"] = f"http-{event['id']}"
        with self._server(ours, f"bench-{label}") as server:
            _, answer, first = server.get(path, query)
            size_of_answer = len(answer)
            latencies = server.latencies(path, query, asked, budget)
            requests, wall = server.throughput(path, query, clients, each, budget)
            seconds = []
            for rep in range(repeat.others):
                seconds.append(server.append_one_at_a_time(events[rep * count : (rep + 1) * count]))
                self.log(f"[{label}] {count} appends over HTTP {rep + 1}: {seconds[-1]:.2f}s")
        self.add("http.state.sqlite.first", size, Sample("time", [first]))
        self.add("http.state.sqlite.p50", size, Sample("time", latencies))
        self.add("http.state.sqlite.p99", size, Sample("time", [percentile(latencies, 0.99)]))
        self.add("http.state.sqlite.rps", size, Sample("rate", [wall], requests))
        self.add("http.append.sqlite", size, Sample("rate", seconds, count))
        p50, p99 = statistics.median(latencies) * 1000, percentile(latencies, 0.99) * 1000
        self.log(
            f"[{label}] GET {path} over HTTP: first {first * 1000:.0f} ms, then p50 {p50:.1f} ms, p99 {p99:.1f} ms "
            f"({len(latencies)} one after another); {requests / wall:,.0f} requests/s from {clients} clients"
        )
        self.notes[("HTTP", size)] = (
            f"`dtl serve` (one worker) on the SQLite log after its measurements; GET {path}?stream="
            f"{query['stream']}&as_of={query['as_of']} ({len(latencies)} requests one after another on one "
            f"connection, after a first; then {requests} from {clients} clients at once); the document is "
            f"{size_of_answer:,} bytes; appends: {count} new events per repetition"
        )

        imported, stored = [], set()
        for rep in range(repeat.imports):
            url = self.databases.sqlite(f"http-import-{label}")
            self.worker("prepare", url=url, seed=self.plan.seed)
            with self._server(url, f"bench-import-{label}-{rep}") as server:
                elapsed, appended = server.import_ndjson(tier.log_path)
            imported.append(elapsed)
            stored.add(appended)
            self.databases.drop(url)
            self.log(f"[{label}] NDJSON import over HTTP {rep + 1}: {elapsed:.2f}s ({size / elapsed:,.0f}/s)")
        self.add("http.import.sqlite", size, Sample("rate", imported, size))
        self.checks.append(
            Check(f"{label}: the NDJSON import over HTTP appended every event of the log", stored == {size})
        )

    def _on_postgres(self, tier: _Tier) -> list[str]:
        ours, _ = self._import_ours(tier, "postgres")
        peer = self._import_peer(tier, "postgres")
        tier.answers["postgres"] = self._replays(tier, "postgres", ours, peer)
        return [ours, peer]

    def _fresh(self, backend: str, name: str) -> str:
        return self.databases.sqlite(name) if backend == "sqlite" else self.databases.postgres()

    def _import_ours(self, tier: _Tier, backend: str) -> tuple[str, int]:
        """Import the log with `dtl import` into fresh databases; return the last one and its position before."""
        seconds, url, prepared = [], "", 0
        for rep in range(tier.repeat.imports):
            if url:
                self.databases.drop(url)
            url = self._fresh(backend, f"ours-{tier.label}")
            prepared = int(self.worker("prepare", url=url, seed=self.plan.seed)["position"])
            elapsed, _ = self.timed(self.dtl(url, "import", str(tier.log_path)))
            seconds.append(elapsed)
            rate = tier.size / elapsed
            self.log(f"[{tier.label}] dtl import on {backend} {rep + 1}: {elapsed:.2f}s ({rate:,.0f}/s)")
        self.add(f"import.{backend}.ours", tier.size, Sample("rate", seconds, tier.size))
        self._pages(url, backend, tier.size, tier.label)
        return url, prepared

    def _pages(self, url: str, backend: str, size: int, label: str) -> None:
        """Build the replay pages, as the first question after an import does once its answer is out (untimed there)."""
        pages = self.worker("replay-pages", url=url)
        if pages["built"]:
            self.add(f"pages.{backend}", size, Sample("time", [pages["seconds"]]))
        built = f"built in {pages['seconds']:.2f}s" if pages["built"] else "not built (too few events)"
        self.log(f"[{label}] replay pages on {backend}: {built}")

    def _import_peer(self, tier: _Tier, backend: str) -> str:
        seconds, url = [], ""
        for rep in range(tier.repeat.peers):
            if url:
                self.databases.drop(url)
            url = self._fresh(backend, f"peer-{tier.label}")
            arguments = {"url": url, "path": str(tier.log_path), "default_stream": tier.facts.default_stream}
            elapsed, output = self.timed([sys.executable, "-m", "bench.worker", "peer-import", json.dumps(arguments)])
            count = json.loads(output.strip().splitlines()[-1])["count"]
            if count != tier.size:
                raise SystemExit(f"the eventsourcing import stored {count} events, not {tier.size}")
            seconds.append(elapsed)
            self.log(f"[{tier.label}] eventsourcing import on {backend} {rep + 1}: {elapsed:.2f}s")
        self.add(f"import.{backend}.eventsourcing", tier.size, Sample("rate", seconds, tier.size))
        return url

    def _replays(self, tier: _Tier, backend: str, ours: str, peer: str) -> dict[str, str]:
        """Full replay (ours) and reconstruction (peer), then the as-of query; return the answers' digests."""
        label, size, facts = tier.label, tier.size, tier.facts
        document = self.plan.workdir / f"state-{label}-{backend}.json"
        seconds, memory, digests, events = [], [], set(), 0
        for rep in range(tier.repeat.others):
            result = self.worker("replay", url=ours, as_of=facts.last_day, stream=None, document=str(document))
            seconds.append(result["seconds"])
            memory.append(result["max_rss_kb"])
            digests.add(result["digest"])
            events = result["position"]
            self.log(f"[{label}] full replay on {backend} {rep + 1}: {result['seconds']:.2f}s")
        if len(digests) != 1:
            self.checks.append(Check(f"{label} {backend}: the full replay gives the same state every time", False))
        self.add(f"replay.{backend}.ours", size, Sample("rate", seconds, events))
        if backend == "sqlite":
            self.add("memory.replay", size, Sample("memory", memory))

        theirs, folded = [], 0
        for rep in range(tier.repeat.peers):
            result = self.worker("peer-reconstruct", url=peer, streams=[*facts.streams, "sources"])
            theirs.append(result["seconds"])
            folded = result["folded"]
            self.log(f"[{label}] eventsourcing reconstruction on {backend} {rep + 1}: {result['seconds']:.2f}s")
        self.add(f"replay.{backend}.eventsourcing", size, Sample("rate", theirs, folded))

        query = {"url": ours, "as_of": facts.query_day, "stream": facts.default_stream}
        # an even number of repetitions on SQLite: the cold query and the one without snapshots take turns going first
        repeat = max(4, tier.repeat.others + tier.repeat.others % 2) if backend == "sqlite" else 1
        as_of = self.worker("as-of", **query, repeat=repeat)
        for kind in ("full", "cold", "warm", "reopened"):
            self.add(f"asof.{backend}.{kind}", size, Sample("time", as_of["seconds"][kind]))
        resumed = "resumed from a snapshot" if as_of["warm_resumed_from_snapshot"] else "no snapshot was taken"
        query_text = f"{facts.default_stream} as of {facts.query_day}"
        self.notes[(f"as-of query on {backend}", size)] = (
            f"{query_text}: {as_of['folded']['full']:,} events folded without snapshots; warm: {resumed}"
        )
        cold, warm, reopened = (
            statistics.median(as_of["seconds"][kind]) * 1000 for kind in ("cold", "warm", "reopened")
        )
        self.log(
            f"[{label}] as-of query on {backend}: cold {cold:.0f} ms, warm {warm:.1f} ms, "
            f"reopened {reopened:.1f} ms ({resumed})"
        )
        return {"replay": digests.pop(), **{f"as-of {kind}": digest for kind, digest in as_of["digests"].items()}}

    # -- `dtl state` as a whole process ----------------------------------------------------------

    def _state_processes(self, size: int, repeat: Repetitions) -> None:
        """`dtl state` as a new process over a log of `size` events in one stream, beside the peer's replay process.

        `dtl state` answers one stream, so this log puts every event in one (as the issue measured it);
        the peer's process reconstructs the same events. Ours runs cold (snapshots cleared first) and
        then warm (snapshots as the cold run left them), each timed by the wall clock with its peak RSS.
        """
        label = tier_label(size)
        path = self.plan.workdir / f"log-{label}-one-stream.jsonl"
        facts = write_log(path, size, seed=self.plan.seed, sources=self.sources, streams=STREAMS[:1])
        stream, day = facts.default_stream, facts.last_day
        backends = ["sqlite", *(["postgres"] if self.plan.postgres is not None else [])]
        digests: dict[str, str] = {}
        for backend in backends:
            ours = self._fresh(backend, f"one-stream-{label}")
            self.worker("prepare", url=ours, seed=self.plan.seed)
            elapsed, _ = self.timed(self.dtl(ours, "import", str(path)))
            self.worker("replay-pages", url=ours)
            peer = self._fresh(backend, f"one-stream-peer-{label}")
            arguments = {"url": peer, "path": str(path), "default_stream": stream}
            if self.worker("peer-import", **arguments)["count"] != size:
                raise SystemExit(f"the eventsourcing import of the one-stream log did not store {size} events")
            self.log(f"[{label}] one-stream log of {size:,} events imported on {backend} (ours {elapsed:.1f}s)")

            command = self.dtl(ours, "state", "--json", "--stream", stream, "--as-of", day)
            answers = {kind: self.plan.workdir / f"state-{label}-{backend}-{kind}.json" for kind in ("cold", "warm")}
            seconds: dict[str, list[float]] = {"cold": [], "warm": [], "peer": []}
            memory: dict[str, list[float]] = {"cold": [], "warm": []}
            same = True
            for rep in range(max(repeat.others, repeat.peers)):
                if rep < repeat.others:
                    self.worker("clear-snapshots", url=ours)
                    for kind in ("cold", "warm"):  # warm: with the snapshots the cold run has just left
                        elapsed, peak = self.measured(command, answers[kind])
                        seconds[kind].append(elapsed)
                        memory[kind].append(peak)
                    same = same and answers["cold"].read_bytes() == answers["warm"].read_bytes()
                if rep < repeat.peers:
                    result = self.worker("peer-reconstruct", url=peer, streams=[stream, "sources"])
                    seconds["peer"].append(result["wall_seconds"])
                shown = [
                    f"{k} {seconds[k][rep]:.2f}s, {memory[k][rep] / 1024:.0f} MB" for k in memory if rep < repeat.others
                ]
                shown += [f"eventsourcing's replay process {seconds['peer'][rep]:.2f}s"] if rep < repeat.peers else []
                self.log(f"[{label}] dtl state, one stream, on {backend} {rep + 1}: {'; '.join(shown)}")
            snapshots = self.worker("clear-snapshots", url=ours)["cleared"]
            self.add(f"state.{backend}.cold", size, Sample("time", seconds["cold"]))
            self.add(f"state.{backend}.warm", size, Sample("time", seconds["warm"]))
            self.add(f"state.{backend}.eventsourcing", size, Sample("time", seconds["peer"]))
            self.add(f"memory.state.{backend}.cold", size, Sample("memory", memory["cold"]))
            self.add(f"memory.state.{backend}.warm", size, Sample("memory", memory["warm"]))
            name = {"sqlite": "SQLite", "postgres": "PostgreSQL"}[backend]
            self.checks.append(Check(f"{label}: `dtl state` answers the same cold and warm ({name})", same))
            document = answers["cold"].stat().st_size
            digests[backend] = hashlib.sha256(answers["cold"].read_bytes()).hexdigest()
            self.notes[(f"`dtl state` process on {backend}", size)] = (
                f"`dtl state --json --stream {stream} --as-of {day}` over {size:,} events in one stream "
                f"(a {document:,}-byte document, written to a file); after a cold and a warm run the log held "
                f"{snapshots} snapshot(s)"
            )
            for url in (ours, peer):
                self.databases.drop(url)
            for answer in answers.values():
                answer.unlink()
        path.unlink()
        name = f"{label}: `dtl state` prints the same document on SQLite and PostgreSQL (the one-stream log)"
        if len(digests) < 2:
            self.checks.append(Check(name, None, "PostgreSQL not in this run"))
        else:
            self.checks.append(Check(name, len(set(digests.values())) == 1))

    def _check_answers(self, tier: _Tier) -> None:
        label, facts = tier.label, tier.facts
        query = f"{facts.default_stream} as of {facts.query_day}"
        for backend, answers in tier.answers.items():
            same = len({answers[f"as-of {kind}"] for kind in ("full", "cold", "warm", "reopened")}) == 1
            name = {"sqlite": "SQLite", "postgres": "PostgreSQL"}[backend]
            self.checks.append(Check(f"{label}: {query} is the same with and without snapshots ({name})", same))
        name = f"{label}: the state is the same on SQLite and PostgreSQL (whole log as of {facts.last_day}; {query})"
        if "postgres" not in tier.answers:
            self.checks.append(Check(name, None, "PostgreSQL not in this run"))
            return
        equal = tier.answers["sqlite"] == tier.answers["postgres"]
        detail = "" if equal else f"documents in {self.plan.workdir}/state-{label}-*.json"
        self.checks.append(Check(name, equal, detail))

    # -- cold starts -----------------------------------------------------------------------------

    def cold_starts(self) -> None:
        """Time `dtl --help`, `dtl state` on the example log, and a bare interpreter, each a fresh process."""
        url = self.databases.sqlite("example")
        self.timed(self.dtl(url, "init"))
        self.timed(self.dtl(url, "import", str(EXAMPLE / "sources.jsonl")))
        self.timed(self.dtl(url, "import", str(EXAMPLE / "events.jsonl")))
        runs = 3 if self.plan.quick else 10
        commands = {
            "start.help": [str(_dtl_executable()), "--help"],
            "start.state": self.dtl(url, "state", "--as-of", EXAMPLE_AS_OF),
            "start.python": [sys.executable, "-c", "pass"],
        }
        for metric, command in commands.items():
            self.timed(command)  # once to warm the file cache: what is measured is the start, not the disk
            sample = Sample("time", [self.timed(command)[0] for _ in range(runs)])
            self.add(metric, None, sample)
            self.log(f"cold start {' '.join(command[-3:])}: {sample.value:.0f} ms")
        self.databases.drop(url)


def _settle() -> None:
    """Flush the writes of the steps before to disk, so that no step is timed while the kernel writes them.

    A step at 1M leaves a gigabyte or more to write back (an import, the raw sqlite3 floor's copies);
    written back during the next step, it takes one of the two cores from whichever side runs next.
    """
    os.sync()


def _environment() -> dict[str, str]:
    """The caller's environment without DTL_ settings: every command names its database itself."""
    return {key: value for key, value in os.environ.items() if not key.startswith("DTL_")}


def _dtl_executable() -> Path:
    path = Path(sys.executable).with_name("dtl")
    if not path.exists():
        raise SystemExit(f"no `dtl` beside {sys.executable}: install the project first (pip install -e '.[bench]')")
    return path
