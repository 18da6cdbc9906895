"""Progress reports (amphase.progress): a bar on a terminal, lines in a batch log, nothing when asked."""

import fcntl
import io
import os
import re
import struct
import termios

import pytest

from amphase import progress
from amphase.progress import Progress, configured, detailed, steps


def lines_of(stream: io.StringIO) -> list[str]:
    return stream.getvalue().splitlines()


def test_a_log_gets_a_line_every_interval_with_rate_and_eta():
    log = io.StringIO()  # not a terminal: a batch job's log
    with configured("auto", every=0.0), Progress("job", 4, "points", work=8.0, stream=log) as bar:
        for w in (1.0, 1.0, 2.0, 4.0):
            bar.advance(1, w)
    got = lines_of(log)
    assert len(got) == 4  # auto mode: no start or end line, one line per interval (here: every advance)
    assert got[0].startswith("amphase: job: 1/4 points (12 %), ") and "points/s" in got[0] and "ETA" in got[0]
    assert got[-1].startswith("amphase: job: 4/4 points (100 %), ") and "ETA" not in got[-1]  # nothing left


def test_the_interval_is_respected():
    log = io.StringIO()
    with configured("auto", every=3600.0), Progress("job", 100, stream=log) as bar:
        for _ in range(100):
            bar.advance()
    assert log.getvalue() == ""  # a short job leaves the log alone


def test_forced_progress_adds_start_and_end_lines_and_off_silences():
    log = io.StringIO()
    with configured("on", every=3600.0), Progress("job", 3, "draws", stream=log) as bar:
        bar.advance(3)
    got = lines_of(log)
    assert got[0] == "amphase: job: 0/3 draws (0 %), started, 0.0 s elapsed, ETA unknown"
    assert got[1].startswith("amphase: job: 3/3 draws (100 %), done, ")
    quiet = io.StringIO()
    with configured("off", every=0.0), Progress("job", 3, stream=quiet) as bar:
        bar.advance(3)
    assert quiet.getvalue() == ""


def test_a_resumed_job_counts_only_its_own_rate():
    log = io.StringIO()
    with configured("on", every=0.0), Progress("job", 10, done=8, done_work=8.0, stream=log) as bar:
        bar.advance(1)
    assert "9/10 points (90 %)" in log.getvalue()


@pytest.mark.parametrize("columns", [0, 80])
def test_a_terminal_of_zero_columns_gets_lines_not_an_empty_bar(columns):
    # issue 17: an empty bar in a zero-column pseudo-terminal
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    with open(slave, "w", closefd=True) as tty:
        bar = Progress("job", 2, stream=tty, show="auto")
        assert bar.style == ("lines" if columns == 0 else "bar")
    os.close(master)


def test_inner_steps_report_only_when_detail_is_asked_for(capsys):
    with configured("on", every=0.0):
        with steps("quantity", 2, "draws") as bar:
            bar.advance(2)
        assert capsys.readouterr().err == ""  # a grid's points or a worker: no inner report
        with detailed(), steps("quantity", 2, "draws") as bar:
            bar.advance(2)
    err = capsys.readouterr().err
    assert re.search(r"amphase: quantity: 2/2 draws \(100 %\), done", err), err


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="progress mode 'loud'"), progress.configured("loud"):
        pass


def test_a_long_item_still_gets_lines_in_a_log():
    # a batch log must show the clock while one long point runs (no item finishes meanwhile)
    import time

    log = io.StringIO()
    with configured("auto", every=0.05), Progress("job", 1, stream=log):
        time.sleep(0.3)
    got = lines_of(log)
    assert len(got) >= 2 and all(line.startswith("amphase: job: 0/1 points (0 %), ") for line in got), got


def test_no_negative_zero_percent():
    log = io.StringIO()
    with configured("on", every=3600.0), Progress("job", 3, work=0.3, done_work=-0.0, stream=log):
        pass
    assert "(0 %)" in log.getvalue() and "-0" not in log.getvalue()
