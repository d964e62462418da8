from django.urls import path

from yikatong.disclosure import lookup_views

app_name = "public_lookup"
urlpatterns = [
    path("", lookup_views.lookup_form, name="form"),
]
