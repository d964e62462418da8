from django.urls import URLPattern, path  # noqa: F401

app_name = "public_lookup"
urlpatterns: list[URLPattern] = []
