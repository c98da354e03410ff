"""Clocks for the documents of a batch (`pipeline.batch`): what each has spent, and the bound on
what it may still spend, enforced by one SIGALRM handler for the whole batch.
"""
from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from . import errors


class Alarm:
    """SIGALRM for a batch: installed once, it stops the work that is running (the clock of a
    document, or of documents sharing a piece of work, arms the timer for what its bound has
    left); installing a handler for each piece of work cost 19 us a stage a report, this 3
    (measured on a loaded machine). It applies only on the main thread of a process (the
    in-process engine and worker processes); threads, as in a Dask worker, rely on the engine's
    own bound."""

    def __init__(self) -> None:
        self.usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
        self.running: DocumentClock | None = None

    def __enter__(self) -> "Alarm":
        if self.usable:
            self._previous = signal.signal(signal.SIGALRM, self._expire)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.usable:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self._previous)

    def arm(self, clock: "DocumentClock") -> None:
        """Raise `DocumentTimedOut` for `clock`'s document once its bound has nothing left."""
        left = clock.left()
        if left <= 0:
            raise errors.DocumentTimedOut(clock.source, seconds=clock.timeout)
        if self.usable:
            self.running = clock
            signal.setitimer(signal.ITIMER_REAL, left)

    def disarm(self) -> None:
        if self.usable:
            signal.setitimer(signal.ITIMER_REAL, 0)
            self.running = None

    def _expire(self, signum, frame) -> None:
        clock = self.running
        if clock is not None:
            raise errors.DocumentTimedOut(clock.source, seconds=clock.timeout)


class DocumentClock:
    """The time one document has spent, and the bound on what it may still spend: each piece of
    its work (reading, each stage, writing the JSON) runs inside it, the alarm armed for what is
    left."""

    __slots__ = ("source", "timeout", "seconds", "_alarm", "_started")

    def __init__(self, source: str, timeout: float | None, alarm: Alarm) -> None:
        self.source, self.timeout, self.seconds, self._alarm = source, timeout, 0.0, alarm
        self._started = 0.0

    def left(self) -> float:
        """Seconds the document may still spend (infinite without a bound)."""
        return float("inf") if self.timeout is None else self.timeout - self.seconds

    def __enter__(self) -> None:
        if self.timeout is not None:
            self._alarm.arm(self)
        self._started = time.perf_counter()

    def __exit__(self, *exc_info: object) -> None:
        if self.timeout is not None:
            self._alarm.disarm()
        self.seconds += time.perf_counter() - self._started


class SharedClock:
    """Work done for several documents at once (a stage's `prepare` over a batch): bounded by
    the least time any of them has left, and its seconds shared among them by length, so that
    each document's seconds and time bound still count all the work done for it. Should the
    bound run out, `Pipeline.run_batch` has each document done alone, under its own clock."""

    __slots__ = ("_clocks", "_weights", "_alarm", "_started")

    def __init__(self, clocks: Sequence[DocumentClock], weights: Sequence[int], alarm: Alarm) -> None:
        self._clocks, self._alarm, self._started = clocks, alarm, 0.0
        total = sum(weights)
        self._weights = [weight / total if total else 1 / len(weights) for weight in weights]

    def __enter__(self) -> None:
        bounded = [clock for clock in self._clocks if clock.timeout is not None]
        if bounded:
            # The work must not outrun the bound of the document with the least time left.
            self._alarm.arm(min(bounded, key=DocumentClock.left))
        self._started = time.perf_counter()

    def __exit__(self, *exc_info: object) -> None:
        self._alarm.disarm()
        spent = time.perf_counter() - self._started
        for clock, weight in zip(self._clocks, self._weights):
            clock.seconds += spent * weight


@contextmanager
def time_limit(seconds: float | None, source: str) -> Iterator[None]:
    """Raise `DocumentTimedOut` inside the block after `seconds` (none: no limit), as a document
    of a batch is bounded (see `Alarm`)."""
    with Alarm() as alarm, DocumentClock(source, seconds or None, alarm):
        yield
