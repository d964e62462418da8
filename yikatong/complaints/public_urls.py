from django.urls import path

from yikatong.complaints import public_views

app_name = "public_complaints"
urlpatterns = [
    path("", public_views.file_complaint, name="file"),
    path("status/", public_views.status, name="status"),
    path("status/info/", public_views.add_info, name="add_info"),
]
