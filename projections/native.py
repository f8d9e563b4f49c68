"""Which form of a compiled module to load: its mypyc build while it matches the source, else the source.

`tools/build_native.py` (run by `make install`) compiles the fold with mypyc and writes,
beside the source, the sha256 of the source it compiled (`coalition.built`). Python
would load a compiled module in preference to its source even after the source has
changed; `prefer_fresh` loads the source instead whenever the two differ, or when
DTL_PURE_PYTHON is set (to compare the two forms, or to rule the compiled one out).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

__all__ = ["is_compiled", "prefer_fresh", "source_beside"]


def prefer_fresh(name: str) -> None:
    """Import module `name` from its source when its compiled form is stale or not wanted; else leave it be."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None or not _is_extension(spec.origin):
        return  # no compiled form: the usual import reads the source
    assert spec.origin is not None
    source = source_beside(spec.origin, name)
    if not os.environ.get("DTL_PURE_PYTHON") and _built_from(source):
        return
    pure = importlib.util.spec_from_file_location(name, source)
    assert pure is not None
    assert pure.loader is not None
    module = importlib.util.module_from_spec(pure)
    sys.modules[name] = module
    try:
        pure.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise


def is_compiled(module: object) -> bool:
    """Say whether a loaded module is a compiled extension (not its Python source)."""
    return _is_extension(getattr(getattr(module, "__spec__", None), "origin", None))


def source_beside(origin: str, name: str) -> Path:
    """Return the Python source of a module, beside the file it was loaded from (compiled or not)."""
    return Path(origin).parent / f"{name.rpartition('.')[2]}.py"


def _is_extension(origin: str | None) -> bool:
    return origin is not None and origin.endswith(tuple(EXTENSION_SUFFIXES))


def _built_from(source: Path) -> bool:
    """Whether the compiled module beside `source` was built from the source as it is now."""
    try:
        built = source.with_suffix(".built").read_text(encoding="ascii").strip()
        return built == hashlib.sha256(source.read_bytes()).hexdigest()
    except OSError:
        return False
