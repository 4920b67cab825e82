from django.urls import path

from .views import course as course_views
from .views import map as map_views
from .views import photos

app_name = "charting"

urlpatterns: list = []

# Before-and-after photos (c2)
urlpatterns += [
    path("appointments/<int:appointment_id>/photos/", photos.session_photos, name="session_photos"),
    path("photos/<int:pk>/", photos.photo_file, name="photo_file"),
    path("photos/<int:pk>/thumb/", photos.photo_file, {"size": "thumb"}, name="photo_thumb"),
    path("clients/<int:client_id>/compare/", photos.compare, name="compare"),
    path("my/photos/", photos.my_photo_consent, name="my_photo_consent"),
    path("my/photos/withdraw/", photos.my_photo_consent_withdraw, name="my_photo_consent_withdraw"),
    path("my/photos/compare/", photos.my_compare, name="my_compare"),
    path("my/photos/<int:pk>/", photos.my_photo_file, name="my_photo_file"),
    path("my/photos/<int:pk>/thumb/", photos.my_photo_file, {"size": "thumb"}, name="my_photo_thumb"),
]

# The point map and the course at a glance (c1)
urlpatterns += [
    path("appointments/<int:appointment_id>/map/", map_views.point_map, name="point_map"),
    path("clients/<int:client_id>/course/", course_views.course, name="course"),
    path("assessments/<int:assessment_id>/plan/", map_views.plan_map, name="plan_map"),
]
