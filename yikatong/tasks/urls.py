from django.urls import path

from yikatong.tasks import views

app_name = "tasks"
urlpatterns = [
    path("", views.task_list, name="list"),
    path("<uuid:pk>/", views.task_detail, name="detail"),
    path("<uuid:pk>/progress.json", views.task_progress, name="progress"),
]
