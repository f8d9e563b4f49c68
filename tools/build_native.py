"""Compile the replay's fold with mypyc, beside its source: `make install` runs this after installing.

The compiled module is a cache of the source, like the snapshots of the log:
`projections.native` loads it only while the source is the one it was built from
(its sha256 is written beside it), and the source otherwise. Where it cannot be
built (no C compiler, no mypyc), this says why and exits 0: the fold stays pure Python.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# the modules compiled: the fold every replay runs event by event
MODULES = ("projections/coalition.py",)


def main() -> int:
    """Compile MODULES in place and note the sha256 of each source; 0 even when they stay pure Python."""
    os.chdir(ROOT)
    try:
        from mypyc.build import mypycify
        from setuptools import setup

        setup(
            name="dtl-native",
            packages=[],
            py_modules=[],
            ext_modules=mypycify(list(MODULES), opt_level="3"),
            script_args=["--quiet", "build_ext", "--inplace", "--build-temp", "build/native"],
        )
    except (Exception, SystemExit) as error:  # any failure (setuptools exits on one) leaves the pure fold
        print(f"build_native: the fold stays pure Python ({error})", file=sys.stderr)
        return 0
    for module in MODULES:
        source = ROOT / module
        stamp = source.with_suffix(".built")
        stamp.write_text(hashlib.sha256(source.read_bytes()).hexdigest() + "\n", encoding="ascii")
    print(f"build_native: compiled {', '.join(MODULES)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
