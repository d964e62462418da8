from django.urls import path

from yikatong.workbench import audit_views as views

app_name = "audit"
urlpatterns = [
    path("", views.event_list, name="events"),
    path("verify/", views.verify_start, name="verify"),
]
