"""Engines run one per-document function (by default `batch.process_one`) over many inputs.

The whole interface is `Engine.map(items) -> iterator of Outcome`, plus `close()` (engines are
context managers). `map` pulls inputs lazily and yields outcomes as they finish, in completion
order, with a bounded number of documents in flight, so memory stays flat however many files a
corpus has. Adding an engine means adding a class here; stages never know which engine runs them.

* `InProcessEngine`: one document at a time in this process.
* `ProcessPoolEngine`: N worker processes, one document each at a time. A worker that dies loses
  only its current document, which is retried once on a fresh worker and then recorded as
  `WorkerDied`; a worker stuck past the time bound is killed and its document recorded as
  `DocumentTimedOut`.
* `DaskEngine`: the same function as tasks on a `dask.distributed` cluster: a `LocalCluster` on
  loopback, or the scheduler at `--scheduler ADDRESS`.
"""
from __future__ import annotations

import dataclasses
import enum
import logging
import multiprocessing
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Iterator
from multiprocessing.connection import Connection, wait
from multiprocessing.context import SpawnContext
from typing import Literal

from . import errors
from .batch import DEFAULT_TIMEOUT, DocumentTask, Outcome, failure
from .inputs import InputItem
from .output_folder import OutputOptions

ENGINES = ("local", "dask")
#: What a worker sends once it has loaded, before its first outcome.
_READY = "ready"
#: What a worker that cannot load sends instead, followed by the reason.
_CANNOT_START = "cannot start: "


class _Busy(enum.Enum):
    """The one value of a sentinel a type checker can tell apart from an outcome."""
    STILL = enum.auto()


_STILL_BUSY = _Busy.STILL
Task = Callable[[InputItem], Outcome]
#: A document whose worker dies is started again this many times before it is recorded.
RETRIES = 1
#: Seconds past the time bound a worker gets to report the timeout itself before it is killed
#: (a signal cannot interrupt a long call inside compiled code).
_GRACE = 10.0
#: Seconds a new worker may take to load before its first document is given up on.
_STARTUP_LIMIT = 120.0


class Engine:
    """Run a task over inputs; see the module docstring."""

    def map(self, items: Iterable[InputItem]) -> Iterator[Outcome]:
        raise NotImplementedError

    def close(self) -> None:
        """Release workers and connections; the engine cannot be used afterwards."""

    def __enter__(self) -> "Engine":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


class InProcessEngine(Engine):
    def __init__(self, task: Task) -> None:
        self.task = task

    def map(self, items: Iterable[InputItem]) -> Iterator[Outcome]:
        for item in items:
            yield self.task(item)


def _serve(connection, task: Task) -> None:
    """A worker process: load, say so, then answer each item with its outcome until told to
    stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    warm_up = getattr(task, "warm_up", None)
    try:
        if warm_up is not None:
            warm_up()
    except Exception as exc:  # a broken installation or model: every document would fail
        connection.send(_CANNOT_START + f"{type(exc).__name__}: {exc}")
        return
    connection.send(_READY)
    while True:
        try:
            item = connection.recv()
        except (EOFError, OSError):
            return
        if item is None:
            return
        connection.send(task(item))


class _Worker:
    def __init__(self, context: SpawnContext, task: Task) -> None:
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, task), daemon=True,
                                       name="report-miner-worker")
        self.process.start()
        child.close()
        self.item: InputItem | None = None
        self.attempts = 0
        self.since = 0.0
        self.ready = False

    def give(self, item: InputItem, attempts: int) -> None:
        self.item, self.attempts, self.since = item, attempts, time.monotonic()
        self.connection.send(item)

    def how_it_died(self) -> str:
        self.process.join(timeout=5)
        code = self.process.exitcode
        if code is None:
            return "unresponsive"
        return f"killed by signal {-code}" if code < 0 else f"exit code {code}"

    def stop(self) -> None:
        try:
            self.connection.send(None)
        except OSError:
            pass
        self.process.join(timeout=2)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.connection.close()


class ProcessPoolEngine(Engine):
    """N worker processes fed one document at a time; see the module docstring."""

    def __init__(self, task: Task, workers: int, *, timeout: float | None = DEFAULT_TIMEOUT,
                 grace: float = _GRACE) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.task = task
        self.workers = workers
        self.timeout = timeout
        self.hard_limit = timeout + grace if timeout else None
        # Spawned on every platform: a forked child copies any lock another thread holds.
        self._context = multiprocessing.get_context("spawn")

    def _spawn(self) -> _Worker:
        return _Worker(self._context, self.task)

    def map(self, items: Iterable[InputItem]) -> Iterator[Outcome]:
        source = iter(items)
        retry: deque[tuple[InputItem, int]] = deque()  # (item, attempts so far)
        idle: list[_Worker] = []
        busy: dict[Connection, _Worker] = {}  # by connection
        deaths_in_a_row = 0

        def feed() -> None:
            """Give every free worker slot a document (retries first), spawning as needed."""
            item: InputItem | None
            while idle or len(busy) < self.workers:
                if retry:
                    item, attempts = retry.popleft()
                elif (item := next(source, None)) is not None:
                    attempts = 0
                else:
                    return
                worker = idle.pop() if idle else self._spawn()
                try:
                    worker.give(item, attempts + 1)
                except OSError:  # died while idle: the item was never started
                    worker.stop()
                    retry.appendleft((item, attempts))
                    continue
                busy[worker.connection] = worker

        try:
            feed()
            while busy:
                ready = set(wait([*busy, *(w.process.sentinel for w in busy.values())],
                                 timeout=self._next_deadline(busy.values())))
                finished: list[Outcome] = []
                for worker in list(busy.values()):
                    outcome = self._settle(worker, ready, retry)
                    if outcome is _STILL_BUSY:
                        continue
                    del busy[worker.connection]
                    if worker.process.is_alive():
                        deaths_in_a_row = 0
                        idle.append(worker)
                    else:
                        if outcome is None or outcome.error_class == "WorkerDied":
                            deaths_in_a_row += 1
                        if deaths_in_a_row > 2 * self.workers + RETRIES + 1:
                            raise errors.PipelineError(
                                None, detail=f"{deaths_in_a_row} worker processes in a row died; "
                                             "the installation may be broken")
                        worker.stop()
                    if outcome is not None:
                        finished.append(outcome)
                feed()  # before handing results over, so workers run while they are written
                yield from finished
        finally:
            for worker in [*idle, *busy.values()]:
                worker.stop()

    @staticmethod
    def _limit(worker: _Worker, hard_limit: float) -> float:
        return hard_limit if worker.ready else max(hard_limit, _STARTUP_LIMIT)

    def _next_deadline(self, workers: Iterable[_Worker]) -> float | None:
        hard_limit = self.hard_limit
        if hard_limit is None:
            return None
        first = min(worker.since + self._limit(worker, hard_limit) for worker in workers)
        return max(0.0, first - time.monotonic())

    def _settle(self, worker: _Worker, ready: set, retry: deque) \
            -> Outcome | None | Literal[_Busy.STILL]:
        """The outcome of a busy worker's document, None if it is to be retried, or
        `_STILL_BUSY`. A dead or killed worker is left dead for the caller to replace."""
        item, attempts = worker.item, worker.attempts
        assert item is not None, "a busy worker holds a document"
        if worker.connection in ready or worker.process.sentinel in ready:
            try:
                if worker.connection.poll():
                    outcome = worker.connection.recv()
                    if outcome == _READY:  # start-up is not charged to the document
                        worker.since, worker.ready = time.monotonic(), True
                        return _STILL_BUSY
                    if isinstance(outcome, str) and outcome.startswith(_CANNOT_START):
                        raise errors.PipelineError(None, detail="a worker process "
                                                   + outcome.removeprefix(_CANNOT_START))
                    return dataclasses.replace(outcome, attempts=attempts) if attempts > 1 \
                        else outcome
            except (EOFError, OSError):
                pass
            how = worker.how_it_died()
            if attempts <= RETRIES:
                retry.append((item, attempts))
                return None
            return failure(item, errors.WorkerDied(item.path, how=how, attempts=attempts),
                           attempts=attempts)
        if self.hard_limit is not None \
                and time.monotonic() - worker.since > self._limit(worker, self.hard_limit):
            worker.process.kill()
            worker.process.join()
            return failure(item, errors.DocumentTimedOut(item.path, seconds=self.timeout),
                           attempts=attempts, seconds=self.hard_limit)
        return _STILL_BUSY




#: Seconds to wait for a first worker on a scheduler given with --scheduler.
WORKER_WAIT = 60.0


class DaskEngine(Engine):
    """Tasks on a Dask cluster, at most `in_flight` per worker thread submitted at a time.

    Dask itself reruns the task of a worker that dies (`allowed-failures`, set to `RETRIES` on a
    cluster we start); a task that still fails is recorded as `WorkerDied`. Inputs must be
    readable at the same path on every worker; outputs are written by this process.
    """

    def __init__(self, task: Task, workers: int = 1, *, scheduler: str | None = None,
                 processes: bool = True, in_flight: int = 2) -> None:
        try:
            import dask
            from distributed import Client, LocalCluster
        except ImportError:
            raise errors.EngineUnavailable(None, detail="--engine dask needs Dask: install the "
                                                        "extra, pip install 'report-miner[dask]' "
                                                        "(or '.[dask]' in a checkout)") from None
        self.task = task
        self.in_flight = in_flight
        self._cluster = None
        if scheduler:
            try:
                self._client = Client(scheduler, timeout="30s")
            except (OSError, ValueError) as exc:
                raise errors.EngineUnavailable(None, detail=f"cannot reach the Dask scheduler at "
                                                            f"{scheduler}: {exc}") from None
            try:  # a scheduler without workers would take tasks and never run them
                self._client.wait_for_workers(1, timeout=WORKER_WAIT)
            except TimeoutError:
                self._client.close()
                raise errors.EngineUnavailable(
                    None, detail=f"no Dask worker joined the scheduler at {scheduler} within "
                                 f"{WORKER_WAIT:g} s; start workers with `dask worker "
                                 f"{scheduler}`") from None
        else:
            with dask.config.set({"distributed.scheduler.allowed-failures": RETRIES}):
                # Worker processes talk TCP on loopback only; threads use in-process comms.
                network = {"host": "127.0.0.1"} if processes else {}
                self._cluster = LocalCluster(n_workers=workers, threads_per_worker=1,
                                             processes=processes,
                                             dashboard_address="127.0.0.1:0",
                                             silence_logs=logging.CRITICAL, **network)
            self._client = Client(self._cluster)

    def map(self, items: Iterable[InputItem]) -> Iterator[Outcome]:
        from distributed import as_completed
        from distributed.scheduler import KilledWorker

        source = iter(items)
        owners: dict[Hashable, InputItem] = {}
        finished = as_completed()

        def submit_next() -> None:
            item = next(source, None)
            if item is not None:
                future = self._client.submit(self.task, item, pure=False)
                owners[future.key] = item
                finished.add(future)

        threads = sum(self._client.nthreads().values()) or 1
        for _ in range(threads * self.in_flight):
            submit_next()
        for future in finished:
            item = owners.pop(future.key)
            try:
                outcome = future.result()
            except KilledWorker:
                outcome = failure(item, errors.WorkerDied(item.path, how="lost with its Dask worker",
                                                          attempts=RETRIES + 1),
                                  attempts=RETRIES + 1)
            except Exception as exc:  # the task itself never raises; this is the cluster's
                outcome = failure(item, errors.InternalError(item.path, kind=type(exc).__name__,
                                                             detail=str(exc)[:500]))
            future.release()
            submit_next()
            yield outcome

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def make_engine(name: str = "local", *, workers: int = 1, scheduler: str | None = None,
                task: Task | None = None, timeout: float | None = DEFAULT_TIMEOUT,
                options: OutputOptions = OutputOptions(), indent: bool = True) -> Engine:
    """The engine `name` running `task` (default: `process_one` with these options)."""
    distributed = name == "dask" or bool(scheduler)
    if task is None:
        task = DocumentTask(options=options, indent=indent, timeout=timeout,
                            base=os.getcwd() if distributed else None)
    if distributed:
        return DaskEngine(task, workers, scheduler=scheduler)
    if name != "local":
        raise ValueError(f"unknown engine {name!r}; choose from {ENGINES}")
    if workers == 1:
        return InProcessEngine(task)
    return ProcessPoolEngine(task, workers, timeout=timeout)
