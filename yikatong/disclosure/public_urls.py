from django.urls import URLPattern, path  # noqa: F401

app_name = "public_disclosure"
urlpatterns: list[URLPattern] = []
