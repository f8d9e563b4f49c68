"""The HTTP figures: a real `dtl serve` process over the bench's log, asked by clients in this process.

The server is the command users run (`dtl --db URL serve --port P`, one worker, 127.0.0.1, a free port),
started and stopped here; the clients are the standard library's `http.client`, one keep-alive connection
each, so the figures hold the server's cost and little of the client's. Latencies are per request from
sending it to reading the whole answer; throughput is requests over the wall clock of several clients.
"""

from __future__ import annotations

import http.client
import json
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

__all__ = ["Served", "percentile", "served", "writer_token"]

_STARTUP_SECONDS = 120
_LONG_REQUEST_SECONDS = 3600  # an NDJSON import of 1M events is one request
_BLOCK = 1 << 16  # bytes sent per write when a file is the body
_FEWEST = 10  # requests a timed series holds however long they take


def percentile(values: Sequence[float], fraction: float) -> float:
    """Return the value below which `fraction` of the values lie (nearest rank)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def writer_token(dtl: Sequence[str], name: str, environment: dict[str, str]) -> str:
    """Create a writer token with `dtl token create` (the command given as `dtl`) and return its secret."""
    command = [*dtl, "token", "create", name, "--role", "writer", "--json"]
    done = subprocess.run(command, capture_output=True, text=True, env=environment, check=False)
    if done.returncode != 0:
        raise SystemExit(f"benchmark step failed (exit {done.returncode}): {' '.join(command)}\n{done.stderr}")
    return str(json.loads(done.stdout)["secret"])


class Served:
    """A running server and its token: how to ask it one request at a time, or from many clients at once."""

    def __init__(self, port: int, token: str) -> None:
        self.port, self.token = port, token
        self._local = threading.local()

    def _connection(self) -> http.client.HTTPConnection:
        connection: http.client.HTTPConnection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = http.client.HTTPConnection(
                "127.0.0.1", self.port, timeout=_LONG_REQUEST_SECONDS, blocksize=_BLOCK
            )
            self._local.connection = connection
        return connection

    def close(self) -> None:
        """Close this thread's connection."""
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None

    def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes, float]:
        """Send one request on this thread's connection; return the status, the body and the seconds it took."""
        connection = self._connection()
        sent = {"Authorization": f"Bearer {self.token}", **(headers or {})}
        started = time.perf_counter()
        connection.request(method, path, body=body, headers=sent)
        answer = connection.getresponse()
        content = answer.read()
        return answer.status, content, time.perf_counter() - started

    def get(self, path: str, query: dict[str, str]) -> tuple[int, bytes, float]:
        """GET a route with a query, failing the run unless it answers 200."""
        status, content, seconds = self.request("GET", f"{path}?{urlencode(query)}")
        if status != 200:
            raise SystemExit(f"GET {path} answered {status}: {content[:500]!r}")
        return status, content, seconds

    def latencies(self, path: str, query: dict[str, str], count: int, budget: float) -> list[float]:
        """Ask the same question `count` times one after the other, or fewer (10 at least) once `budget`
        seconds are spent; return each request's seconds."""
        self.close()
        seconds: list[float] = []
        deadline = time.perf_counter() + budget
        while len(seconds) < count and (len(seconds) < _FEWEST or time.perf_counter() < deadline):
            seconds.append(self.get(path, query)[2])
        return seconds

    def throughput(self, path: str, query: dict[str, str], clients: int, each: int, budget: float) -> tuple[int, float]:
        """Ask the same question from `clients` threads, `each` times each or until `budget` seconds are spent
        (10 each at least); return the requests answered and the wall-clock seconds."""
        ready = threading.Barrier(clients + 1)
        failures: list[BaseException] = []
        answered = [0] * clients

        def client(number: int) -> None:
            try:
                self._connection().connect()
                ready.wait()
                deadline = time.perf_counter() + budget
                while answered[number] < each and (answered[number] < _FEWEST or time.perf_counter() < deadline):
                    self.get(path, query)
                    answered[number] += 1
            except BaseException as error:  # reported below, after the others finish
                failures.append(error)
            finally:
                self.close()

        threads = [threading.Thread(target=client, args=(number,)) for number in range(clients)]
        for thread in threads:
            thread.start()
        ready.wait()
        started = time.perf_counter()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - started
        if failures:
            raise failures[0]
        return sum(answered), seconds

    def append_one_at_a_time(self, events: Sequence[dict[str, Any]]) -> float:
        """POST each event alone as JSON, one after the other; return the seconds for all of them."""
        bodies = [json.dumps(event).encode() for event in events]
        self.close()  # a new connection: the server closes one left idle (uvicorn's keep-alive is 5 s)
        started = time.perf_counter()
        for body in bodies:
            status, content, _ = self.request("POST", "/api/events", body, {"Content-Type": "application/json"})
            if status != 201:
                raise SystemExit(f"POST /api/events answered {status}: {content[:500]!r}")
        return time.perf_counter() - started

    def import_ndjson(self, path: Path) -> tuple[float, int]:
        """POST a JSON Lines file as one NDJSON request, streamed; return the seconds and the events appended."""
        headers = {"Content-Type": "application/x-ndjson", "Content-Length": str(path.stat().st_size)}
        self.close()
        with path.open("rb") as body:
            status, content, seconds = self.request("POST", "/api/events", body, headers)
        if status != 201:
            raise SystemExit(f"POST /api/events (NDJSON) answered {status}: {content[:500]!r}")
        return seconds, len(json.loads(content)["appended"])


@contextmanager
def served(dtl: Sequence[str], token: str, environment: dict[str, str], max_body: int, log: Path) -> Iterator[Served]:
    """Run `dtl serve` on a free port of 127.0.0.1 until the block ends (SIGTERM, then SIGKILL if it lingers).

    The server's log (a line per request) goes to the file `log`, never to a pipe no one reads.
    """
    port = _free_port()
    env = {**environment, "DTL_MAX_BODY": str(max_body)}
    command = [*dtl, "serve", "--port", str(port)]
    with log.open("ab") as written:
        process = subprocess.Popen(command, env=env, stdout=written, stderr=written)
    server = Served(port, token)
    try:
        _wait_until_up(process, port, log)
        yield server
    finally:
        server.close()
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_up(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + _STARTUP_SECONDS
    while True:
        if process.poll() is not None:
            told = log.read_text(errors="replace")[-3000:]
            raise SystemExit(f"`dtl serve` stopped before answering (exit {process.returncode}):\n{told}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                connection.close()
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"`dtl serve` did not answer /healthz within {_STARTUP_SECONDS} s")
        time.sleep(0.1)
