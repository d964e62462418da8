from django.urls import URLPattern, path  # noqa: F401

app_name = "public_complaints"
urlpatterns: list[URLPattern] = []
