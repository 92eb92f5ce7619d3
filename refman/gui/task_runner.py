"""The one task runner: long work on worker threads, results delivered on the UI thread.

Workers are plain Python threads that never touch Qt: they put messages in a queue and
wake the UI thread through a socket watched by a QSocketNotifier; every Qt signal is
emitted on the UI thread. (PySide6 6.12 corrupts reference counts when Python code runs
on a Qt-created thread or emits a signal off the UI thread: after a few hundred
cross-thread emissions the process dies deallocating ``True``. ``tests/gui/
test_task_runner.py`` guards against going back.)"""

from __future__ import annotations

import contextlib
import itertools
import queue
import socket
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QSocketNotifier, Signal


@dataclass(slots=True)
class TaskControl:
    """What a job sees of its task, safe to use on the worker thread."""

    _post: Callable[[str, Any], None]
    _cancel: threading.Event = field(default_factory=threading.Event)

    def is_cancelled(self) -> bool:
        """Whether the user asked to stop (the job polls this)."""
        return self._cancel.is_set()

    def report(self, done: int, total: int) -> None:
        """Progress: ``done`` of ``total`` (any unit, e.g. bytes)."""
        self._post("progressed", (done, total))

    def note(self, message: str) -> None:
        """The job entered a new phase, described for the user."""
        self._post("noted", message)

    def partial(self, payload: Any) -> None:
        """An early part of the result, for the UI to show before the rest arrives."""
        self._post("partial", payload)


Job = Callable[[TaskControl], Any]


class Task(QObject):
    """One job's face on the UI thread; its signals are emitted there.

    Signals:
        sig_progressed(int, int): work done and total.
        sig_noted(str): the job moved to a new phase.
        sig_partial(object): an early part of the result (``TaskControl.partial``).
        sig_succeeded(object): the job's return value.
        sig_failed(object): the exception the job raised.
        sig_finished(): after either of the two above.
    """

    sig_progressed = Signal(int, int)
    sig_noted = Signal(str)
    sig_partial = Signal(object)
    sig_succeeded = Signal(object)
    sig_failed = Signal(object)
    sig_finished = Signal()

    def __init__(self, job: Job, control: TaskControl, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.job = job
        self.control = control
        self.traceback_text = ""
        self.done = False
        self.task_id = 0

    def cancel(self) -> None:
        """Ask the job to stop at its next check."""
        self.control._cancel.set()

    def is_cancelled(self) -> bool:
        """Whether :meth:`cancel` was called."""
        return self.control.is_cancelled()


class _Workers:
    """The worker threads and their queues: plain Python, so no Qt object is ever
    touched off the UI thread."""

    def __init__(self, threads: int) -> None:
        self.jobs: queue.SimpleQueue[tuple[int, Job, TaskControl] | None] = queue.SimpleQueue()
        self.outbox: queue.SimpleQueue[tuple[int, str, Any]] = queue.SimpleQueue()
        self.reader, self.writer = socket.socketpair()
        self.reader.setblocking(False)
        self.writer.setblocking(False)
        self.threads = [
            threading.Thread(target=self.work, name=f"refman-worker-{n}", daemon=True)
            for n in range(threads)
        ]
        for thread in self.threads:
            thread.start()

    def post(self, task_id: int, kind: str, payload: Any) -> None:
        """Report to the UI thread (from any thread) and wake it."""
        self.outbox.put((task_id, kind, payload))
        with contextlib.suppress(OSError):  # buffer full (a wake-up is pending) or closed
            self.writer.send(b"\0")

    def work(self) -> None:
        """A worker thread's loop: run jobs until the ``None`` sentinel."""
        while True:
            item = self.jobs.get()
            if item is None:
                return
            task_id, job, control = item
            try:
                result = job(control)
            except Exception as exc:  # handed to the UI thread, which decides what to show
                self.post(task_id, "failed", (exc, traceback.format_exc()))
            else:
                self.post(task_id, "succeeded", result)

    def stop(self, timeout: float) -> bool:
        """Let the threads finish their jobs and end; True if they did in time."""
        for _thread in self.threads:
            self.jobs.put(None)
        for thread in self.threads:
            thread.join(timeout)
        return not any(thread.is_alive() for thread in self.threads)


class TaskRunner(QObject):
    """Runs jobs on ``threads`` worker threads, first come first served."""

    def __init__(self, parent: QObject | None = None, *, threads: int = 2) -> None:
        super().__init__(parent)
        self._workers = _Workers(threads)
        self._tasks: dict[int, Task] = {}
        self._ids = itertools.count(1)
        self._notifier = QSocketNotifier(
            self._workers.reader.fileno(), QSocketNotifier.Type.Read, self
        )
        self._notifier.activated.connect(self.deliver)
        self._closed = False

    def create(self, job: Job) -> Task:
        """A task for ``job(control)``: connect to its signals, then :meth:`start` it."""
        task_id = next(self._ids)
        post = self._workers.post
        control = TaskControl(lambda kind, payload: post(task_id, kind, payload))
        task = Task(job, control)  # no parent: Python owns it, on the UI thread only
        task.task_id = task_id
        return task

    def start(self, task: Task) -> Task:
        """Queue a created task for the workers."""
        if self._closed:
            raise RuntimeError("the task runner is shut down")
        self._tasks[task.task_id] = task
        self._workers.jobs.put((task.task_id, task.job, task.control))
        return task

    def run(
        self,
        job: Job,
        *,
        succeeded: Callable[[Any], None] | None = None,
        failed: Callable[[BaseException], None] | None = None,
    ) -> Task:
        """Create, connect and start a task in one go."""
        task = self.create(job)
        if succeeded is not None:
            task.sig_succeeded.connect(succeeded)
        if failed is not None:
            task.sig_failed.connect(failed)
        return self.start(task)

    @property
    def closed(self) -> bool:
        """Whether :meth:`shutdown` was called (no new task may start)."""
        return self._closed

    def busy(self) -> bool:
        """Whether any task is queued or running (or its outcome not yet delivered)."""
        return bool(self._tasks)

    def deliver(self) -> None:
        """Emit the signals for what the workers reported (called when woken)."""
        with contextlib.suppress(OSError):
            while self._workers.reader.recv(4096):
                pass
        outbox = self._workers.outbox
        while True:
            try:
                task_id, kind, payload = outbox.get_nowait()
            except queue.Empty:
                return
            task = self._tasks.get(task_id)
            if task is None:
                continue
            if kind == "progressed":
                task.sig_progressed.emit(*payload)
            elif kind == "noted":
                task.sig_noted.emit(payload)
            elif kind == "partial":
                task.sig_partial.emit(payload)
            else:
                del self._tasks[task_id]
                task.done = True
                if kind == "succeeded":
                    task.sig_succeeded.emit(payload)
                else:
                    exc, task.traceback_text = payload
                    task.sig_failed.emit(exc)
                task.sig_finished.emit()

    def shutdown(self, timeout: float = 30.0) -> bool:
        """Cancel every task, stop the workers and deliver what they reported; True if
        the workers stopped within ``timeout`` seconds."""
        if self._closed:
            return True
        self._closed = True
        for task in self._tasks.values():
            task.cancel()
        stopped = self._workers.stop(timeout)
        self.deliver()
        self._notifier.setEnabled(False)
        self._workers.reader.close()
        self._workers.writer.close()
        return stopped
