"""Bookings lock the days they touch, not a whole location: two that could clash always share a lock, two on
different days never wait for each other (``booking.services._lock_keys``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

from booking.services import _lock_keys

LOCATION, PRACTITIONER = SimpleNamespace(pk=3), SimpleNamespace(pk=7)
BASE = datetime(2026, 3, 28, tzinfo=UTC)


def keys(*spans):
    return set(_lock_keys(location=LOCATION, practitioner=PRACTITIONER, spans=spans))


def span(minute: int, length: int):
    start = BASE + timedelta(minutes=minute)
    return start, start + timedelta(minutes=length)


@given(st.integers(0, 6 * 1440), st.integers(15, 300), st.integers(0, 6 * 1440), st.integers(15, 300))
def test_two_sessions_that_overlap_always_share_a_lock(a, a_len, b, b_len):
    first, second = span(a, a_len), span(b, b_len)
    if first[0] < second[1] and second[0] < first[1]:
        assert keys(first) & keys(second)


def test_sessions_on_different_days_take_different_locks():
    assert not keys(span(9 * 60, 75)) & keys(span(1440 + 9 * 60, 75))


def test_a_session_across_midnight_locks_both_days_and_the_keys_are_in_one_order():
    late = keys(span(23 * 60 + 30, 75))
    assert late >= keys(span(23 * 60, 15)) | keys(span(1440, 15))
    ordered = _lock_keys(location=LOCATION, practitioner=PRACTITIONER, spans=[span(23 * 60 + 30, 75)])
    assert ordered == sorted(ordered)
    assert [pk for _key, pk in ordered] == [3, 3, 7, 7]  # the location's days before the practitioner's
