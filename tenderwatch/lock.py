"""One daemon per data directory, and what it tells `tenderwatch status` about itself."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

from tenderwatch.config import Config


class AlreadyRunning(RuntimeError):
    pass


def state_path(config: Config) -> Path:
    return config.data_dir / "daemon.json"


class DataDirLock:
    """An exclusive flock on ``<data dir>/tenderwatch.lock``; the kernel drops it when the process dies."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "tenderwatch.lock"
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise AlreadyRunning(f"a tenderwatch daemon already runs on {self.path.parent} (pid {holder})") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._file = handle

    def release(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def held_by_another(self) -> bool:
        """Whether a live daemon holds the lock (a dead one's lock is gone with it)."""
        if not self.path.exists():
            return False
        with self.path.open("a+", encoding="utf-8") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(handle, fcntl.LOCK_UN)
            return False


