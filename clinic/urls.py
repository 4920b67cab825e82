from django.contrib import admin
from django.urls import include, path

from clinic.core.views import favicon

urlpatterns = [
    path("", include("clinic.core.urls")),
    path("manage/audit/", include("clinic.audit.urls")),
    path("manage/schedule/", include("booking.urls_manage")),
    path("accounts/", include("clinic.accounts.urls")),
    path("book/", include("booking.urls")),
    path("intake/", include("intake.urls")),
    path("desk/", include("frontdesk.urls")),
    path("chart/", include("charting.urls")),
    path("messages/", include("clinic.notifications.urls")),
    path("admin/", admin.site.urls),
    path("favicon.ico", favicon, name="favicon"),
]
