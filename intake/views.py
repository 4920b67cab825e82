from django.shortcuts import render

from clinic.accounts.permissions import Cap, require


@require(Cap.BOOK_ONLINE)
def my_intake(request):
    return render(request, "intake/placeholder.html")


@require(Cap.VIEW_OWN_SCHEDULE)
def review_queue(request):
    return render(request, "intake/placeholder.html")


@require(Cap.VIEW_OWN_SCHEDULE)
def practitioner_day(request):
    return render(request, "intake/placeholder.html")
