from django.urls import path

from yikatong.sharing import views

app_name = "sharing"
urlpatterns = [
    path("tokens/", views.token_list, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("status/", views.status, name="status"),
]
