"""The multiprocess directory: prepared before prometheus_client is imported (a temporary one
for several workers, none for one, a configured one emptied), and a dead worker's live
gauges dropped while its counters stay. The real server with two workers:
tests/metrics/test_served.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hostolink.metrics import multiprocess


@pytest.fixture
def no_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(multiprocess.ENV, raising=False)


@pytest.mark.usefixtures("no_directory")
class TestPrepare:
    def test_one_process_needs_no_directory(self) -> None:
        assert multiprocess.prepare(1) is None
        assert multiprocess.ENV not in os.environ
        assert not multiprocess.active()

    def test_several_get_a_fresh_temporary_one(self, monkeypatch: pytest.MonkeyPatch) -> None:
        # Empty counts as unset; monkeypatch now remembers to remove what prepare() sets
        # (the next tests' subprocesses must not inherit a directory removed below).
        monkeypatch.setenv(multiprocess.ENV, "")
        directory = multiprocess.prepare(2)
        assert directory is not None
        assert directory.is_dir()
        assert not list(directory.iterdir())
        assert os.environ[multiprocess.ENV] == str(directory)
        # This test process imported prometheus_client long before: it stays in-memory.
        assert not multiprocess.active()
        directory.rmdir()

    def test_a_configured_one_is_emptied(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv(multiprocess.ENV, str(tmp_path / "metrics"))
        (tmp_path / "metrics").mkdir()
        leftover = tmp_path / "metrics" / "counter_4242.db"
        leftover.write_bytes(b"\0" * 16)
        assert multiprocess.prepare(1) == tmp_path / "metrics"
        assert not leftover.exists()


class TestProcessExited:
    def test_live_gauges_go_counters_stay(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv(multiprocess.ENV, str(tmp_path))
        names = ("counter_4242.db", "histogram_4242.db", "gauge_liveall_4242.db")
        for name in (*names, "gauge_livesum_4242.db", "gauge_liveall_4343.db"):
            (tmp_path / name).write_bytes(b"")
        multiprocess.process_exited(4242)
        left = sorted(path.name for path in tmp_path.iterdir())
        assert left == ["counter_4242.db", "gauge_liveall_4343.db", "histogram_4242.db"]

    @pytest.mark.usefixtures("no_directory")
    def test_nothing_to_do_in_one_process(self) -> None:
        multiprocess.process_exited(4242)  # no directory: no error
