"""Readiness: every check asked at once in a thread of its own, a bounded wait, a hung check not asked
again."""
import threading

from tokensite.health import Readiness


def test_each_check_answers_or_names_its_error():
    def broken():
        raise ConnectionError("refused")

    report = Readiness({"fine": lambda: None, "broken": broken}).report(seconds=5)
    assert report["fine"] is None
    assert isinstance(report["broken"], ConnectionError)


def test_a_hung_check_costs_the_probe_its_wait_and_is_not_asked_again_until_it_ends():
    release, calls = threading.Event(), []

    def hangs():
        calls.append(1)
        assert release.wait(10)

    readiness = Readiness({"hangs": hangs})
    assert isinstance(readiness.report(seconds=0.05)["hangs"], TimeoutError)
    assert isinstance(readiness.report(seconds=0.05)["hangs"], TimeoutError)
    assert len(calls) == 1
    release.set()
    assert readiness.report(seconds=5)["hangs"] is None
