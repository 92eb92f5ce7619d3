"""The task runner: results, errors, progress and cancellation reach the UI thread."""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from refman.gui.binding_check import binding_problem
from refman.gui.task_runner import TaskControl, TaskRunner


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    runner = TaskRunner()
    yield runner
    assert runner.shutdown(timeout=10)


def test_result_arrives_on_the_ui_thread(qtbot: QtBot, runner: TaskRunner) -> None:
    threads: list[threading.Thread] = []

    def job(_control: TaskControl) -> int:
        threads.append(threading.current_thread())
        return 42

    task = runner.create(job)
    received: list[tuple[Any, threading.Thread]] = []
    task.sig_succeeded.connect(lambda v: received.append((v, threading.current_thread())))
    with qtbot.waitSignal(task.sig_finished):
        runner.start(task)
    assert received == [(42, threading.main_thread())]
    assert threads[0] is not threading.main_thread()
    assert not runner.busy()


def test_errors_progress_and_cancel(qtbot: QtBot, runner: TaskRunner) -> None:
    go = threading.Event()

    def job(control: TaskControl) -> None:
        control.report(1, 4)
        control.note("halfway")
        go.wait(5)
        if control.is_cancelled():
            raise KeyError("stopped")

    task = runner.create(job)
    progress: list[tuple[int, int]] = []
    notes: list[str] = []
    failures: list[BaseException] = []
    task.sig_progressed.connect(lambda done, total: progress.append((done, total)))
    task.sig_noted.connect(notes.append)
    task.sig_failed.connect(failures.append)
    runner.start(task)
    qtbot.waitUntil(lambda: notes == ["halfway"])
    task.cancel()
    with qtbot.waitSignal(task.sig_finished):
        go.set()
    assert progress == [(1, 4)]
    assert isinstance(failures[0], KeyError)
    assert "KeyError" in task.traceback_text


def test_many_tasks_keep_reference_counts_sound(qtbot: QtBot, runner: TaskRunner) -> None:
    """PySide6 6.12 loses a reference to True for every signal emitted off the UI thread
    (and to None for every Python call on a Qt thread); the runner must not do either."""
    gc.collect()  # earlier tests' garbage, freed mid-test, would release references too
    before = sys.getrefcount(True), sys.getrefcount(None)
    done: list[int] = []
    for number in range(400):
        runner.run(lambda control, n=number: (control.report(n, 400), n)[1], succeeded=done.append)
    qtbot.waitUntil(lambda: len(done) == 400)
    after = sys.getrefcount(True), sys.getrefcount(None)
    # Unrelated objects come and go; the bug would lose one reference per task or more.
    lost = before[0] - after[0], before[1] - after[1]
    assert lost[0] < 200, f"lost {lost[0]} references to True: {binding_problem()}"
    assert lost[1] < 200, f"lost {lost[1]} references to None: {binding_problem()}"
