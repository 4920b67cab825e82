"""The screening gate reads a questionnaire version's wording once per process, never its 26 KB on every page: a
version written in ``intake.definitions`` is known by its checksum, any other is read the first time it is asked."""

from __future__ import annotations

import copy

import pytest

from intake import definitions
from intake.models import QuestionnaireVersion
from intake.questionnaire import Questionnaire

pytestmark = pytest.mark.django_db


def _deferred(version: QuestionnaireVersion) -> QuestionnaireVersion:
    return QuestionnaireVersion.objects.defer("definition").get(pk=version.pk)  # as the gate reads it


def test_a_version_written_in_the_code_is_never_read_from_the_database(django_assert_num_queries):
    stored = _deferred(definitions.questionnaire_current())

    with django_assert_num_queries(0):
        wording = Questionnaire.frozen(stored)

    assert wording.definition == definitions.QUESTIONNAIRE
    assert wording.sections == Questionnaire(definitions.QUESTIONNAIRE).sections


def test_an_older_version_is_known_by_its_checksum_too(django_assert_num_queries):
    stored = _deferred(definitions.questionnaire_ensure(definitions.QUESTIONNAIRE_V1))

    with django_assert_num_queries(0):
        assert Questionnaire.frozen(stored).number == definitions.QUESTIONNAIRE_V1["version"]


def test_any_other_version_is_read_once_then_shared(django_assert_num_queries):
    changed = copy.deepcopy(definitions.QUESTIONNAIRE)
    changed["version"], changed["title"] = 99, "A wording the code does not hold"
    stored = QuestionnaireVersion.objects.create(number=99, title=changed["title"], definition=changed,
                                                 checksum=definitions.checksum(changed))

    read, read_again = _deferred(stored), _deferred(stored)
    with django_assert_num_queries(1):  # its definition, deferred
        first = Questionnaire.frozen(read)
    with django_assert_num_queries(0):
        again = Questionnaire.frozen(read_again)

    assert first is again and first.definition["title"] == "A wording the code does not hold"
    assert Questionnaire.frozen(_deferred(definitions.questionnaire_current())) is not first


def test_the_screening_gate_does_not_read_the_wording(client_user):
    from datetime import date

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from intake.gate import screening_verdict
    from tests.factories import ServiceFactory
    from tests.helpers import submit_blank_intake

    submit_blank_intake(client_user)
    with CaptureQueriesContext(connection) as queries:
        verdict = screening_verdict(client=client_user, service=ServiceFactory(), day=date(2026, 6, 10))

    assert not verdict.blocked
    assert not [q for q in queries if '"intake_questionnaireversion"."definition"' in q["sql"]]
