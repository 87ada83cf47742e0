"""Atomic file output: write beside the target, then move it into place.

A reader (or a resumed run) never sees a half-written file, the file gets the
permissions a plain ``open(path, "w")`` would give (0666 less the umask, e.g.
0644), and every error names the target, never the temporary file.

Example:
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "a", "note.txt")
    >>> atomic_write(path, lambda tmp: open(tmp, "w").write("ok")) == path
    True
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable

__all__ = ["atomic_write"]


def atomic_write(path: str, write: Callable[[str], object]) -> str:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then move it to ``path``.

    Args:
        path: the target file (its folder is created).
        write: writes the content to the temporary path it is given.

    Returns:
        ``path``.

    Raises:
        OSError: naming ``path`` when it is a folder or cannot be written; the
            temporary file is removed and the target is untouched.
    """
    if os.path.isdir(path):
        raise IsADirectoryError(errno.EISDIR, f"cannot write {path} (it is a directory; give a file name)")
    directory = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=os.path.splitext(path)[1])
    except OSError as exc:  # name the target, not the temporary file
        raise OSError(exc.errno, f"cannot write {path} ({exc.strerror})") from exc
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~umask)
        try:
            os.replace(tmp, path)
        except OSError as exc:
            raise OSError(exc.errno, f"cannot write {path} ({exc.strerror})") from exc
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return path
