"""The test run keeps to itself: its own run directory, and no process outlives it."""

import subprocess
import time

from django.conf import settings

from tests.conftest import processes_of_this_run


def test_tests_never_use_the_run_directory_of_make_run():
    assert settings.VAR_DIR != settings.BASE_DIR / "var"
    broker_folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("data_folder_in")
    if broker_folder is not None:  # the embedded file broker
        assert broker_folder.startswith(str(settings.VAR_DIR))


def test_a_process_started_by_the_run_is_found_until_it_ends():
    child = subprocess.Popen(["sleep", "30"])
    try:
        assert child.pid in processes_of_this_run()
    finally:
        child.kill()
        child.wait(timeout=5)
    assert child.pid not in processes_of_this_run()


def test_stopping_a_worker_with_beat_leaves_no_process(celery_worker_process):
    before = set(processes_of_this_run())
    worker = celery_worker_process(beat=True)
    deadline = time.monotonic() + 20
    while len(set(processes_of_this_run()) - before) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)  # the worker (a threads pool) and its embedded beat
    assert len(set(processes_of_this_run()) - before) >= 2
    worker.stop()
    assert set(processes_of_this_run()) - before == set()
