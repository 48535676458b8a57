"""Progress of a long job on a stream: one line redrawn in place on a terminal, plain
lines at an interval otherwise (logs of batch jobs stay readable)."""

from __future__ import annotations

import sys
import time
from typing import Callable, Optional, TextIO


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


class Progress:
    """Counts done and failed rows of ``total`` (None when unknown) and shows crops/s,
    the time left and the failures so far.

    Args:
        stream: where lines go (standard error by default); None shows nothing.
        interactive: redraw one line (a terminal) or print lines every ``interval``
            seconds; by default, whether the stream is a terminal.
        clock: seconds, monotonic (a test can pass its own).
    """

    def __init__(self, total: Optional[int], stream: Optional[TextIO] = sys.stderr,
                 interactive: Optional[bool] = None, interval: Optional[float] = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.total = total
        self.stream = stream
        self.interactive = bool(stream is not None and (interactive if interactive is not None
                                                        else getattr(stream, "isatty", lambda: False)()))
        self.interval = interval if interval is not None else (0.2 if self.interactive else 10.0)
        self.clock = clock
        self.started = clock()
        self.last_shown = self.started
        self.done = 0
        self.failed = 0
        self.skipped = 0
        self.line_width = 0

    def skip(self, rows: int, failed: int) -> None:
        """Rows finished by an earlier run (a resumed job): counted, not timed."""
        self.skipped += rows
        self.done += rows
        self.failed += failed

    def update(self, rows: int, failed: int) -> None:
        self.done += rows
        self.failed += failed
        now = self.clock()
        if now - self.last_shown >= self.interval:
            self.last_shown = now
            self._show(self.line(now))

    def rate(self, now: Optional[float] = None) -> float:
        elapsed = (now if now is not None else self.clock()) - self.started
        return (self.done - self.skipped) / elapsed if elapsed > 0 else 0.0

    def line(self, now: float) -> str:
        rate = self.rate(now)
        if self.total:
            left = (self.total - self.done) / rate if rate > 0 else None
            text = (f"{self.done:,}/{self.total:,} crops {100.0 * self.done / self.total:5.1f}%  "
                    f"{rate:,.0f} crops/s  ETA {_duration(left) if left is not None else '?'}")
        else:
            text = f"{self.done:,} crops  {rate:,.0f} crops/s"
        return f"{text}  failed {self.failed:,}"

    def _show(self, text: str) -> None:
        if self.stream is None:
            return
        if self.interactive:
            padding = " " * max(0, self.line_width - len(text))
            self.stream.write("\r" + text + padding)
            self.line_width = len(text)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        """Shows the final count, ending the redrawn line."""
        if self.stream is None:
            return
        self._show(self.line(self.clock()))
        if self.interactive:
            self.stream.write("\n")
            self.stream.flush()
