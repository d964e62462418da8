from django.urls import path

from yikatong.performance import public_views

app_name = "public_performance"

urlpatterns = [
    path("", public_views.index, name="index"),
    path("<int:pk>/", public_views.detail, name="detail"),
]
