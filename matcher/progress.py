"""A dependency-free progress bar on stderr for long runs (silent when stderr is no terminal)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

#: What long operations accept to report their progress: called with (done, total).
Progress = Callable[[int, int], None]


class ProgressBar:
    """Call with (done, total); draws ``label [#####.....] done/total  eta`` in place.

    Time is measured from the bar's creation, or from the last call with ``done == 0``: a
    caller that reports a count's start that way keeps whatever came before (loading a
    model, another phase) out of the elapsed time and the estimate.
    """

    def __init__(self, label: str, stream: TextIO | None = None, enabled: bool | None = None):
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.started = time.monotonic()
        self._last = 0.0

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total <= 0:
            return
        now = time.monotonic()
        if done == 0:
            self.started = now
        elif done < total and now - self._last < 0.1:
            return
        self._last = now
        width = 30
        filled = int(width * done / total)
        elapsed = now - self.started
        eta = f", ~{elapsed / done * (total - done):4.0f}s left" if done else ""
        self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] "
                          f"{done}/{total}  {elapsed:5.1f}s elapsed{eta} ")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()
