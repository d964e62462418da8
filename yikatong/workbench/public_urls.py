from django.urls import path

from yikatong.workbench import public_views

app_name = "public"
urlpatterns = [
    path("", public_views.portal, name="portal"),
]
