"""Progress over a course: re-assessments at chosen sessions and on demand, charted from the data."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from booking.models import AppointmentStatus
from intake import selectors, services
from intake.charts import line_chart
from intake.models import IntakeSettings, Reassessment
from tests.factories import AppointmentFactory, PractitionerFactory
from tests.intake.helpers import health_check_post, in_care_of, questionnaire, submit_intake, valid_answers


def _reassessment_post(signals_value: int, acne: int) -> dict:
    q = questionnaire()
    data = {c["key"]: "0" for c in q.concerns}
    data["acne"] = str(acne)
    for pattern in q.patterns:
        for item in pattern["items"]:
            data[item["key"]] = str(signals_value)
    return data | health_check_post(prefix="hc")  # the re-assessment re-asks the contraindications too


def _complete_sessions(client, count):
    practitioner = PractitionerFactory()
    return [AppointmentFactory(client=client, practitioner=practitioner, status=AppointmentStatus.COMPLETED,
                               starts_at=timezone.now() - timedelta(days=7 * (count - i))) for i in range(count)]


def test_the_client_records_a_check_in_and_sees_it_charted(login, client_user):
    submit_intake(client_user, valid_answers(signals=4, concerns={"acne": (3, "1_5y")}))
    c = login(client_user)
    response = c.post(reverse("intake:my_reassess"), _reassessment_post(2, acne=1))
    assert response["Location"] == reverse("intake:my_progress")
    check = Reassessment.objects.get(client=client_user)
    assert check.scores["heat"] == 25.0 and check.answers["acne"] == {"severity": 1}
    assert check.recorded_by == client_user

    response = c.get(reverse("intake:my_progress"))
    chart = response.context["patterns_chart"]
    heat = next(s for s in chart.series if s.label == "Lung and stomach heat")
    assert [value for _, _, value in heat.points] == ["75", "25"]
    html = response.content.decode()
    assert "<svg" in html and "<polyline" in html
    concerns = response.context["concerns_chart"]
    assert [s.label for s in concerns.series] == ["Acne or breakouts"]
    assert [v for _, _, v in concerns.series[0].points] == ["Severe", "Mild"]


def test_a_check_in_with_missing_answers_is_refused_and_kept(login, client_user):
    submit_intake(client_user)
    data = _reassessment_post(2, acne=1)
    del data["ht_hot"]
    response = login(client_user).post(reverse("intake:my_reassess"), data)
    assert response.status_code == 200
    assert "Please choose an answer." in response.content.decode()
    assert response.context["form"].data["acne"] == "1"
    assert not Reassessment.objects.exists()


def test_a_practitioner_records_a_reassessment_with_the_session_number(login, client_user):
    _complete_sessions(client_user, 5)
    practitioner = in_care_of(client_user)
    response = login(practitioner).post(reverse("intake:client_reassess", args=[client_user.pk]),
                                        _reassessment_post(3, acne=2))
    assert response["Location"] == reverse("intake:client_progress", args=[client_user.pk])
    check = Reassessment.objects.get()
    assert check.session_number == 5 and check.recorded_by == practitioner and check.appointment is not None


def test_a_reassessment_is_due_at_the_clinics_sessions(db, client_user):
    assert selectors.reassessment_due(client=client_user) is None
    _complete_sessions(client_user, 5)
    assert selectors.reassessment_due(client=client_user) == 5
    services.reassessment_record(client=client_user, recorded_by=client_user, answers=valid_answers())
    assert selectors.reassessment_due(client=client_user) is None


def test_the_sessions_are_a_clinic_setting(db, client_user):
    IntakeSettings.objects.filter(pk=IntakeSettings.load().pk).update(reassess_at_sessions="3, 6")
    _complete_sessions(client_user, 4)
    assert selectors.reassessment_due(client=client_user) == 3


def test_the_client_is_prompted_when_a_check_in_is_due(login, client_user):
    submit_intake(client_user)
    _complete_sessions(client_user, 5)
    html = login(client_user).get(reverse("intake:my_intake")).content.decode()
    assert "You have reached session 5" in html


def test_the_timeline_merges_intakes_and_reassessments_in_time_order(db, client_user):
    submit_intake(client_user, valid_answers(signals=5))
    services.reassessment_record(client=client_user, recorded_by=client_user, answers=valid_answers(signals=3))
    points = selectors.progress_timeline(client=client_user)
    assert [p.label for p in points] == ["Intake", "Re-check"]
    assert [p.scores["spleen_damp"] for p in points] == [100.0, 50.0]


def test_the_progress_page_without_data_explains_itself(login, client_user):
    response = login(client_user).get(reverse("intake:my_progress"))
    assert "Nothing to chart yet" in response.content.decode()


def test_the_practitioner_sees_the_same_chart(login, client_user):
    submit_intake(client_user, valid_answers(signals=2))
    practitioner = in_care_of(client_user)
    response = login(practitioner).get(reverse("intake:client_progress", args=[client_user.pk]))
    assert response.status_code == 200
    assert "Progress: Chloe Martin" in response.content.decode()
    assert response.context["patterns_chart"] is not None


def test_chart_points_are_placed_from_the_values():
    chart = line_chart(title="t", x_labels=[("a", "1"), ("b", "2"), ("c", "3")], series={"s": [0, 50, None]},
                       y_max=100, y_ticks=[(0, "0"), (100, "100")])
    (series,) = chart.series
    assert len(series.points) == 2  # a missing value is left out, not drawn as zero
    (x0, y0, _), (x1, y1, _) = series.points
    assert x0 < x1
    assert y0 == pytest.approx(chart.bottom_edge) and y1 == pytest.approx((chart.top + chart.bottom_edge) / 2)
    assert re.fullmatch(r"[\d.]+,[\d.]+ [\d.]+,[\d.]+", series.polyline)
    assert chart.table_rows == [["s", "0", "50", "—"]]


def test_another_clients_progress_is_not_reachable_for_a_client(login, client_user, other_client):
    url = reverse("intake:client_progress", args=[other_client.pk])
    assert login(client_user).get(url).status_code == 403  # a client's own chart is /intake/progress/


def test_a_long_course_labels_only_some_points_so_words_do_not_overlap():
    labels = [(f"After session {n}", f"{n} Jan") for n in range(12)]
    chart = line_chart(title="t", x_labels=labels, series={"s": list(range(12))}, y_max=100, y_ticks=[])
    shown = [text for _, text, _ in chart.x_labels]
    assert len(shown) <= 5 and shown[0] == "After session 0" and shown[-1] == "After session 11"
    assert len(chart.series[0].points) == 12 and len(chart.table_head) == 12
