"""Engines run one function over batches of inputs (by default `batch.process_batch`, which runs
the pipeline's stages over a batch stage by stage, see `Pipeline.run_batch`).

The whole interface is `Engine.map(items) -> iterator of Outcome`, plus `close()` (engines are
context managers). `map` pulls inputs lazily and yields outcomes as they finish, in completion
order, with a bounded number of documents in flight, so memory stays flat however many files a
corpus has. Adding an engine means adding a class here; stages never know which engine runs them.

* `InProcessEngine`: one batch at a time in this process.
* `ProcessPoolEngine`: N worker processes, one batch each at a time (`WORKER_BATCH_SIZE`
  inputs). A worker that dies loses only its current batch: each of its documents is started
  again alone on a fresh worker, and a document that kills its worker alone is retried once and
  then recorded as `WorkerDied`; a worker stuck past the time bound is killed, the documents of
  its batch started again alone, and a document stuck alone recorded as `DocumentTimedOut`.
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
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from multiprocessing.connection import Connection, wait
from multiprocessing.context import SpawnContext
from typing import Literal

from . import errors
from .batch import DEFAULT_TIMEOUT, DocumentTask, Outcome, failure
from .inputs import InputItem
from .output_folder import OutputOptions
from .runner import BATCH_SIZE, batched

ENGINES = ("local", "dask")
#: What a worker sends once it has loaded, before its first outcome.
_READY = "ready"
#: What a worker that cannot load sends instead, followed by the reason.
_CANNOT_START = "cannot start: "


class _Busy(enum.Enum):
    """The one value of a sentinel a type checker can tell apart from an outcome."""
    STILL = enum.auto()


_STILL_BUSY = _Busy.STILL
Task = Callable[[Sequence[InputItem]], list[Outcome]]
#: Inputs a worker process is given at a time: fewer than the in-process batch (`BATCH_SIZE`),
#: so that at the end of a corpus no worker waits long on the other's last batch, and enough for
#: most of the stage-by-stage gain (on short real reports, batches of 4 took two thirds of what
#: batches of 48 did: see `runner.BATCH_SIZE`).
WORKER_BATCH_SIZE = 4
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
    def __init__(self, task: Task, *, batch_size: int = BATCH_SIZE) -> None:
        self.task = task
        self.batch_size = batch_size

    def map(self, items: Iterable[InputItem]) -> Iterator[Outcome]:
        for batch in batched(items, self.batch_size):
            yield from self.task(batch)


def _serve(connection, task: Task) -> None:
    """A worker process: load, say so, then answer each batch of items with their outcomes until
    told to stop."""
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
            batch = connection.recv()
        except (EOFError, OSError):
            return
        if batch is None:
            return
        connection.send(task(batch))


class _Worker:
    def __init__(self, context: SpawnContext, task: Task) -> None:
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, task), daemon=True,
                                       name="report-miner-worker")
        self.process.start()
        child.close()
        self.batch: list[InputItem] = []
        self.attempts = 0
        self.since = 0.0
        self.ready = False

    def give(self, batch: list[InputItem], attempts: int) -> None:
        self.batch, self.attempts, self.since = batch, attempts, time.monotonic()
        self.connection.send(batch)

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
    """N worker processes fed one batch at a time; see the module docstring."""

    def __init__(self, task: Task, workers: int, *, timeout: float | None = DEFAULT_TIMEOUT,
                 grace: float = _GRACE, batch_size: int = WORKER_BATCH_SIZE) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.task = task
        self.workers = workers
        self.batch_size = batch_size
        self.timeout = timeout
        self.hard_limit = timeout + grace if timeout else None
        # Spawned on every platform: a forked child copies any lock another thread holds.
        self._context = multiprocessing.get_context("spawn")

    def _spawn(self) -> _Worker:
        return _Worker(self._context, self.task)

    def map(self, items: Iterable[InputItem]) -> Iterator[Outcome]:
        batches = batched(items, self.batch_size)
        # Documents to start again alone, each with the times it was started so far.
        retry: deque[tuple[InputItem, int]] = deque()
        idle: list[_Worker] = []
        busy: dict[Connection, _Worker] = {}  # by connection
        deaths_in_a_row = 0

        def feed() -> None:
            """Give every free worker slot a batch (retries first, alone), spawning as needed."""
            batch: list[InputItem] | None
            while idle or len(busy) < self.workers:
                if retry:
                    item, attempts = retry.popleft()
                    batch = [item]
                elif (batch := next(batches, None)) is not None:
                    attempts = 0
                else:
                    return
                worker = idle.pop() if idle else self._spawn()
                try:
                    worker.give(batch, attempts + 1)
                except OSError:  # died while idle: the batch was never started
                    worker.stop()
                    retry.extendleft((item, attempts) for item in reversed(batch))
                    continue
                busy[worker.connection] = worker

        try:
            feed()
            while busy:
                ready = set(wait([*busy, *(w.process.sentinel for w in busy.values())],
                                 timeout=self._next_deadline(busy.values())))
                finished: list[Outcome] = []
                for worker in list(busy.values()):
                    outcomes = self._settle(worker, ready, retry)
                    if outcomes is _STILL_BUSY:
                        continue
                    del busy[worker.connection]
                    if worker.process.is_alive():
                        deaths_in_a_row = 0
                        idle.append(worker)
                    else:
                        if not outcomes or outcomes[0].error_class == "WorkerDied":
                            deaths_in_a_row += 1
                        if deaths_in_a_row > 2 * self.workers + RETRIES + 1:
                            raise errors.PipelineError(
                                None, detail=f"{deaths_in_a_row} worker processes in a row died; "
                                             "the installation may be broken")
                        worker.stop()
                    finished.extend(outcomes)
                feed()  # before handing results over, so workers run while they are written
                yield from finished
        finally:
            for worker in [*idle, *busy.values()]:
                worker.stop()

    def _limit(self, worker: _Worker) -> float:
        """How long the worker may take over its batch: each document its own bound, and one
        grace period for the batch (`hard_limit` is one document's bound and the grace)."""
        assert self.hard_limit is not None and self.timeout
        batch_limit = self.hard_limit + self.timeout * (len(worker.batch) - 1)
        return batch_limit if worker.ready else max(batch_limit, _STARTUP_LIMIT)

    def _next_deadline(self, workers: Iterable[_Worker]) -> float | None:
        if self.hard_limit is None:
            return None
        first = min(worker.since + self._limit(worker) for worker in workers)
        return max(0.0, first - time.monotonic())

    def _settle(self, worker: _Worker, ready: set, retry: deque) \
            -> list[Outcome] | Literal[_Busy.STILL]:
        """The outcomes of a busy worker's batch (none where its documents are to be started
        again, alone), or `_STILL_BUSY`. A dead or killed worker is left dead for the caller to
        replace."""
        batch, attempts = worker.batch, worker.attempts
        assert batch, "a busy worker holds a batch"
        if worker.connection in ready or worker.process.sentinel in ready:
            try:
                if worker.connection.poll():
                    outcomes = worker.connection.recv()
                    if outcomes == _READY:  # start-up is not charged to the documents
                        worker.since, worker.ready = time.monotonic(), True
                        return _STILL_BUSY
                    if isinstance(outcomes, str) and outcomes.startswith(_CANNOT_START):
                        raise errors.PipelineError(None, detail="a worker process "
                                                   + outcomes.removeprefix(_CANNOT_START))
                    return [dataclasses.replace(outcome, attempts=attempts) for outcome in outcomes] \
                        if attempts > 1 else outcomes
            except (EOFError, OSError):
                pass
            how = worker.how_it_died()
            # Which document of a batch killed the worker is not known: each starts again alone.
            if len(batch) > 1 or attempts <= RETRIES:
                retry.extend((item, attempts) for item in batch)
                return []
            return [failure(batch[0], errors.WorkerDied(batch[0].path, how=how, attempts=attempts),
                            attempts=attempts)]
        if self.hard_limit is not None \
                and time.monotonic() - worker.since > self._limit(worker):
            worker.process.kill()
            worker.process.join()
            if len(batch) > 1:
                retry.extend((item, attempts) for item in batch)
                return []
            return [failure(batch[0], errors.DocumentTimedOut(batch[0].path, seconds=self.timeout),
                            attempts=attempts, seconds=self.hard_limit)]
        return _STILL_BUSY




#: Seconds to wait for a first worker on a scheduler given with --scheduler.
WORKER_WAIT = 60.0


class DaskEngine(Engine):
    """Tasks on a Dask cluster, a batch of inputs each, at most `in_flight` per worker thread
    submitted at a time.

    Dask itself reruns the task of a worker that dies (`allowed-failures`, set to `RETRIES` on a
    cluster we start); a task that still fails is recorded as `WorkerDied`. Inputs must be
    readable at the same path on every worker; outputs are written by this process.
    """

    def __init__(self, task: Task, workers: int = 1, *, scheduler: str | None = None,
                 processes: bool = True, in_flight: int = 2, batch_size: int = WORKER_BATCH_SIZE) -> None:
        try:
            import dask
            from distributed import Client, LocalCluster
        except ImportError:
            raise errors.EngineUnavailable(None, detail="--engine dask needs Dask: install the "
                                                        "extra, pip install 'report-miner[dask]' "
                                                        "(or '.[dask]' in a checkout)") from None
        self.task = task
        self.in_flight = in_flight
        self.batch_size = batch_size
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

        batches = batched(items, self.batch_size)
        owners: dict[Hashable, list[InputItem]] = {}
        finished = as_completed()

        def submit_next() -> None:
            batch = next(batches, None)
            if batch is not None:
                future = self._client.submit(self.task, batch, pure=False)
                owners[future.key] = batch
                finished.add(future)

        threads = sum(self._client.nthreads().values()) or 1
        for _ in range(threads * self.in_flight):
            submit_next()
        for future in finished:
            batch = owners.pop(future.key)
            try:
                outcomes = future.result()
            except KilledWorker:
                outcomes = [failure(item, errors.WorkerDied(item.path, how="lost with its Dask worker",
                                                            attempts=RETRIES + 1), attempts=RETRIES + 1)
                            for item in batch]
            except Exception as exc:  # the task itself never raises; this is the cluster's
                outcomes = [failure(item, errors.InternalError(item.path, kind=type(exc).__name__,
                                                               detail=str(exc)[:500]))
                            for item in batch]
            future.release()
            submit_next()
            yield from outcomes

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def make_engine(name: str = "local", *, workers: int = 1, scheduler: str | None = None,
                task: Task | None = None, timeout: float | None = DEFAULT_TIMEOUT,
                options: OutputOptions = OutputOptions(), indent: bool = True) -> Engine:
    """The engine `name` running `task` (default: `process_batch` with these options)."""
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
