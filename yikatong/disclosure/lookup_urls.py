from django.urls import path

from yikatong.disclosure import lookup_views

app_name = "public_lookup"
urlpatterns = [
    path("", lookup_views.lookup_form, name="form"),
    path("code/", lookup_views.code_send, name="code_send"),
    path("code/check/", lookup_views.code_check, name="code_check"),
]
