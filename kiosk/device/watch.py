"""A folder watched with ``watchdog``: a flag that says "something changed since you last looked".

The player checks the flag at a slide boundary and only then re-reads the folder, so an edit in
progress is never applied half-way through a slide.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

log = logging.getLogger(__name__)


class _Flag(FileSystemEventHandler):
    def __init__(self, changed: threading.Event) -> None:
        self.changed = changed

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in ("opened", "closed_no_write"):
            self.changed.set()


class FolderWatch:
    def __init__(self, directory: Path, recursive: bool = False) -> None:
        self.directory = Path(directory)
        self.recursive = recursive
        self._changed = threading.Event()
        self._observer: Observer | None = None  # type: ignore[valid-type]

    def start(self) -> bool:
        """Start watching; False (and a log line) when the folder does not exist or cannot be watched."""
        if not self.directory.is_dir():
            log.info("not watching %s: no such folder", self.directory)
            return False
        observer = Observer()
        observer.schedule(_Flag(self._changed), str(self.directory), recursive=self.recursive)
        observer.daemon = True
        try:
            observer.start()
        except OSError as e:
            log.error("cannot watch %s: %s", self.directory, e)
            return False
        self._observer = observer
        return True

    def wait(self, timeout: float) -> bool:
        """Block until something changed (without taking it); False after ``timeout`` seconds."""
        return self._changed.wait(timeout)

    def take(self) -> bool:
        """True once per burst of changes."""
        if self._changed.is_set():
            self._changed.clear()
            return True
        return False

    def stop(self) -> None:
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=2)
            self._observer = None
