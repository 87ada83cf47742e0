"""Workers stop when their parent dies.

A worker process calls :func:`watch_parent` with the pid of the process that
started the run. A daemon thread then checks every ``interval`` seconds (1 s by
default) whether that process is still there and ends the worker with
``os._exit`` when it is not, so a ``kill -9`` of ``inv-gym benchmark`` leaves no
worker computing, writing or holding memory for more than about a second (the
runner's tests require at most 5 s).

A worker that is the parent's direct child (the local process executor's loky
workers) is orphaned exactly when its ``os.getppid()`` changes (it is adopted by
init or a subreaper), which no reuse of the parent's pid can hide; any other
worker checks that the pid exists and is not a zombie (``/proc/<pid>/stat``).
"""

from __future__ import annotations

import os
import threading
import time

__all__ = ["watch_parent", "parent_alive", "EXIT_CODE"]

#: Exit status of a worker ended by the watchdog.
EXIT_CODE = 75

_watched: int | None = None
_lock = threading.Lock()


def parent_alive(pid: int, direct: bool) -> bool:
    """Whether process ``pid`` is alive (``direct``: it is this process's parent)."""
    if direct:
        return os.getppid() == pid
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, owned by someone else
        return True
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True  # no /proc: the signal test above is all there is


def watch_parent(pid: int, interval: float = 1.0) -> bool:
    """Start (once per process) a daemon thread that ends this process when ``pid`` is gone.

    Args:
        pid: the pid of the run's parent process.
        interval: seconds between two checks (> 0).

    Returns:
        True when this call started the thread, False when it was running already.
    """
    global _watched
    if not interval > 0:
        raise ValueError(f"interval must be > 0 seconds, got {interval}")
    with _lock:
        if _watched == pid:
            return False
        _watched = pid
    direct = os.getppid() == pid

    def loop() -> None:
        while parent_alive(pid, direct):
            time.sleep(interval)
        os._exit(EXIT_CODE)

    threading.Thread(target=loop, name=f"watch-parent-{pid}", daemon=True).start()
    return True
