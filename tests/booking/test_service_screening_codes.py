"""The manager declares, per service, which screening flags stop it (a service without facial needling)."""

from __future__ import annotations

from booking.admin import ServiceAdminForm
from tests.factories import ServiceFactory


def _data(**changes) -> dict:
    return {"name": "Body acupuncture", "slug": "body", "description": "", "duration_minutes": 45,
            "buffer_after_minutes": 10, "price": "60.00", "is_active": "on", "bookable_online": "on",
            "new_clients_allowed": "on", "requires_intake": "on", "aftercare_note": "Rest.", **changes}


def test_the_codes_are_typed_as_a_list_and_stored_as_one(db):
    form = ServiceAdminForm(data=_data(screening_codes="blood_pressure, acute_illness,\nblood_pressure"))
    assert form.is_valid(), form.errors
    service = form.save()
    service.refresh_from_db()
    assert service.screening_codes == ["blood_pressure", "acute_illness"]
    assert 'value="blood_pressure, acute_illness"' in str(ServiceAdminForm(instance=service)["screening_codes"])


def test_empty_means_every_flag_applies(db):
    form = ServiceAdminForm(data=_data(screening_codes=""))
    assert form.is_valid(), form.errors
    assert form.save().screening_codes == []


def test_a_mistyped_code_is_explained(db):
    form = ServiceAdminForm(data=_data(screening_codes="Botox wait!"), instance=ServiceFactory())
    assert not form.is_valid()
    assert "is not a flag code" in form.errors["screening_codes"][0]
