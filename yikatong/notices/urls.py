from django.urls import path

from yikatong.notices import views

app_name = "notices"
urlpatterns = [
    path("", views.notice_list, name="list"),
    path("<int:pk>/retry/", views.notice_retry, name="retry"),
]
