"""A real `dtl serve` process: it binds the port asked, answers /healthz, and stops on SIGTERM."""

from __future__ import annotations

import json
import signal
import socket
import time
import urllib.request

from tests.reliability.conftest import kill_hard, load_fixture_log, start_dtl


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=5) as answered:  # the test's own server on 127.0.0.1
        return answered.status, answered.read()


def test_dtl_serve_answers_healthz_and_stops_on_sigterm(sqlite_url: str) -> None:
    load_fixture_log(sqlite_url)
    port = _free_port()
    server = start_dtl(sqlite_url, "serve", "--port", str(port), "--public-read")
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.communicate()[1].decode()
            try:
                status, body = _get(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        assert status == 200
        assert json.loads(body) == {"status": "ok"}
        status, body = _get(f"http://127.0.0.1:{port}/api/verify")
        assert status == 200
        assert json.loads(body)["ok"] is True
        server.send_signal(signal.SIGTERM)
        _, stderr = server.communicate(timeout=30)
        # uvicorn shuts down gracefully, then re-raises the signal: the exit status says SIGTERM ended it
        assert server.returncode in (0, -signal.SIGTERM), stderr.decode()
        assert b"Application shutdown complete" in stderr
        assert b"Traceback" not in stderr
    finally:
        kill_hard(server)


def test_dtl_serve_refuses_a_log_that_is_not_there(tmp_path) -> None:
    server = start_dtl(f"sqlite:///{tmp_path / 'none.db'}", "serve", "--port", str(_free_port()))
    try:
        _, stderr = server.communicate(timeout=60)
        assert server.returncode == 3
        assert b"no database" in stderr
    finally:
        kill_hard(server)
