"""Lets `python -m cli` run the `dtl` command."""

from __future__ import annotations

from cli.main import run

run()
