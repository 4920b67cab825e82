from django.urls import path

from . import views

app_name = "intake"

urlpatterns = [
    # The client's own questionnaire
    path("", views.my_intake, name="my_intake"),
    path("start/", views.intake_start, name="start"),
    path("continue/", views.intake_continue, name="continue"),
    path("step/<int:step>/", views.intake_step, name="step"),
    path("step/<int:step>/autosave/", views.intake_autosave, name="autosave"),
    path("check/", views.intake_check, name="check"),
    path("consent/", views.intake_consent, name="consent"),
    path("consent/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path("mine/<int:pk>/", views.submission_detail, name="submission"),
    path("link/<str:token>/", views.intake_link, name="link"),
    path("progress/", views.my_progress, name="my_progress"),
    path("progress/check-in/", views.my_reassess, name="my_reassess"),
    path("health-check/<int:appointment_id>/", views.health_check, name="health_check"),
    # Practitioners (and staff allowed to read clinical answers)
    path("day/", views.practitioner_day, name="practitioner_day"),
    path("day/<int:appointment_id>/status/", views.practitioner_set_status, name="practitioner_set_status"),
    path("reviews/", views.review_queue, name="review_queue"),
    path("submissions/<int:pk>/", views.intake_review, name="review"),
    path("submissions/<int:pk>/assessment/", views.assessment_save, name="assessment_save"),
    path("submissions/<int:pk>/reviewed/", views.mark_reviewed, name="mark_reviewed"),
    path("submissions/<int:pk>/export/", views.submission_export, name="export"),
    path("flags/<int:pk>/clear/", views.flag_clear, name="flag_clear"),
    path("clients/<int:client_id>/", views.client_record, name="client_record"),
    path("clients/<int:client_id>/record.json", views.client_record_export, name="client_record_export"),
    path("clients/<int:client_id>/progress/", views.client_progress, name="client_progress"),
    path("clients/<int:client_id>/reassess/", views.client_reassess, name="client_reassess"),
    path("clients/<int:client_id>/request/", views.intake_request, name="request_send"),
    path("clients/<int:client_id>/emergency/", views.break_glass, name="break_glass"),
    path("appointments/<int:appointment_id>/note/", views.treatment_note, name="treatment_note"),
    path("appointments/<int:appointment_id>/note/aftercare-preview/", views.aftercare_preview,
         name="aftercare_preview"),
    path("clients/<int:client_id>/screening-override/", views.screening_override, name="screening_override"),
    path("appointments/<int:appointment_id>/health-check/", views.health_check_answers, name="health_check_answers"),
    path("appointments/<int:appointment_id>/health-check/seen/", views.health_check_review,
         name="health_check_review"),
    # The manager
    path("settings/", views.intake_settings, name="settings"),
]
