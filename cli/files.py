"""Reads the text files a command is given; writes what it is asked for with --out, whole or not at all.

Output files are never written through a planted link.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from errors import InputError

__all__ = ["read_text_file", "write_atomically"]


def read_text_file(path: str, *, refuse_binary: bool = False) -> str:
    """Read a file as UTF-8 text, naming the file when it cannot; with refuse_binary, a file holding NUL too."""
    from pathlib import Path

    from errors import InputError, Location

    try:
        content = Path(path).read_bytes()
    except OSError as error:
        raise InputError(
            f"cannot read the file: {error.strerror}", Location(file=path), hint="check the path and its permissions"
        ) from None
    if refuse_binary and b"\x00" in content:
        raise InputError("the file is binary, not an article's text", Location(file=path), hint="give a text file")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(
            f"the file is not UTF-8 text (byte {error.start + 1})",
            Location(file=path),
            hint="save it as UTF-8 (for example `iconv -f LATIN1 -t UTF-8`) and try again",
        ) from None


def write_atomically(out: str, write: Callable[[Any], object], *, binary: bool = False) -> None:
    """Write a file beside its target and rename it into place, so an interruption never leaves half a file.

    The temporary file gets a fresh name no one could have planted a link at (created with O_EXCL and
    O_NOFOLLOW); the target is replaced only if it is absent or a regular file, so a device, a FIFO, a
    folder or a symbolic link at the target is refused with nothing written. `-` is standard output.
    """
    import tempfile

    if out == "-":
        write(sys.stdout.buffer if binary else sys.stdout)
        sys.stdout.flush()
        return
    if not out:
        raise _refused(out, "no file named", "give --out a file name (`-` writes to standard output)")
    mode = _replaceable_mode(out)
    folder, name = os.path.split(out)
    try:
        descriptor, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder or ".")
    except OSError as error:
        hint = "check that the folder exists and is writable, or choose another --out"
        raise _refused(out, f"cannot write the file: {error.strerror}", hint) from None
    try:
        with os.fdopen(descriptor, "wb") if binary else open(descriptor, "w", encoding="utf-8", newline="") as target:
            write(target)
            target.flush()
            os.fchmod(target.fileno(), mode)
            os.fsync(target.fileno())
        _replaceable_mode(out)  # the target may have changed while the file was written
        os.replace(temporary, out)
    except OSError as error:
        hint = "check that the folder is writable, or choose another --out"
        raise _refused(out, f"cannot write the file: {error.strerror}", hint) from None
    finally:
        if os.path.lexists(temporary):
            os.unlink(temporary)
    _sync_folder(folder or ".")


def _replaceable_mode(out: str) -> int:
    """Return the permissions the written file gets: the target's own if it is a regular file, else the default.

    Raises InputError if something other than a regular file is at the target.
    """
    try:
        status = os.lstat(out)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
    except OSError as error:
        raise _refused(
            out, f"cannot write the file: {error.strerror}", "check the path, or choose another --out"
        ) from None
    if not stat.S_ISREG(status.st_mode):
        kind = _kind(status.st_mode)
        raise _refused(
            out, f"will not replace {kind} with a file", "choose another --out (`-` writes to standard output)"
        )
    return stat.S_IMODE(status.st_mode)


def _kind(mode: int) -> str:
    """Say in words what is at a path that is not a regular file."""
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "something that is not a regular file"


def _sync_folder(folder: str) -> None:
    """Make the rename durable; a folder that cannot be opened or synced (some file systems) is left as it is."""
    try:
        descriptor = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def _refused(out: str, message: str, hint: str) -> InputError:
    """Return the error for an --out that cannot be written; the CLI exits 2."""
    from errors import InputError, Location

    return InputError(message, Location(file=out) if out else Location(field="--out"), hint=hint)
