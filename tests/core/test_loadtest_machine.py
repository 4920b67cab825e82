"""The load test says how busy the shared machine was beside its figures: its own processes and everyone else's."""

from __future__ import annotations

from bench import loadtest


def test_the_summary_names_the_cpu_used_outside_the_run():
    phase = loadtest.Phase("no think time", loadtest.Stats(), 10.0, server_cpu=8.0, worker_cpu=1.0, own_cpu=1.0,
                           db_cpu=2.0, database={}, machine_cpu=17.0)
    assert "machine 1.7 cores busy, 0.5 of them outside this run" in loadtest.summary(phase)


def test_the_machine_cpu_grows_with_time():
    first = loadtest._machine_cpu()
    sum(i * i for i in range(200_000))  # some work of our own
    assert loadtest._machine_cpu() >= first >= 0
