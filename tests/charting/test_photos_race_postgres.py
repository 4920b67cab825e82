"""Photos under real concurrency: two saves of the same pose, and a withdrawal while photos are being saved.

Real threads, each with its own database connection, released together by a barrier. Needs PostgreSQL.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from charting import photos
from charting.models import Photo
from tests.charting.photos_support import (  # noqa: F401 (fixtures)
    clinic_fixture,
    frozen_fixture,
    image_bytes,
    photo_dir_fixture,
    stored_files,
    upload,
)

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def _race(calls: list[Callable[[], object]]) -> list[str]:
    barrier = threading.Barrier(len(calls))
    results = [""] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=30)
            call()
            results[index] = "ok"
        except photos.PhotoError:
            results[index] = "refused"
        except Exception as exc:  # noqa: BLE001 - anything else is a failure the test reports
            results[index] = f"{type(exc).__name__}: {exc}"
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def _save_front(clinic, colour) -> Callable[[], object]:
    return lambda: photos.photo_upload(appointment=clinic["session"], actor=clinic["ana"], pose="front",
                                       upload=upload(image_bytes(colour=colour)))


def test_two_saves_of_the_same_pose_at_once_leave_one_photo_and_no_stray_file(clinic):
    results = _race([_save_front(clinic, (200, 10, 10)), _save_front(clinic, (10, 200, 10))])

    assert set(results) <= {"ok", "refused"} and "ok" in results, results
    visible = list(Photo.objects.filter(hidden_at=None))
    assert len(visible) == 1 and Photo.objects.count() == 1  # a replaced one is deleted after its commit
    assert stored_files(clinic["dir"]) == sorted([visible[0].file_name, visible[0].thumb_name])


def test_a_withdrawal_during_saves_leaves_no_photo_anyone_can_see(clinic):
    withdraw = lambda: photos.photo_consent_withdraw(client=clinic["chloe"])  # noqa: E731
    results = _race([_save_front(clinic, (200, 10, 10)), withdraw,
                     lambda: photos.photo_upload(appointment=clinic["session"], actor=clinic["ana"],
                                                 pose="close_up", label="chin", upload=upload(image_bytes()))])

    assert results[1] == "ok" and set(results) <= {"ok", "refused"}, results
    assert not Photo.objects.filter(hidden_at=None).exists()
    assert Photo.objects.count() == 0 and stored_files(clinic["dir"]) == []
