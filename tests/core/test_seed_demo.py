from django.core.management import call_command

from booking.models import Appointment, Practitioner, Room, Service
from clinic.accounts.models import Role, User
from clinic.core.demo import DEMO_PASSWORD


def test_it_builds_a_realistic_clinic_once(capsys):
    call_command("seed_demo")
    counts = (User.objects.count(), Appointment.objects.count(), Service.objects.count())
    call_command("seed_demo")
    assert (User.objects.count(), Appointment.objects.count(), Service.objects.count()) == counts
    assert 2 <= Practitioner.objects.count() <= 3
    assert Room.objects.count() >= 2
    assert Service.objects.filter(is_initial_consultation=True).exists()
    for role in Role.values:
        assert User.objects.filter(role=role).exists()
    client = User.objects.get(email="client@demo.clinic")
    assert client.check_password(DEMO_PASSWORD)
    assert Appointment.objects.filter(client=client, status="completed").exists()
    output = capsys.readouterr().out
    assert "desk@demo.clinic" in output and DEMO_PASSWORD in output
