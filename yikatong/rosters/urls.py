from django.urls import path

from yikatong.rosters import views

app_name = "rosters"
urlpatterns = [
    path("", views.roster_list, name="list"),
    path("todo/", views.todo, name="todo"),
    path("new/", views.roster_new, name="new"),
    path("<int:pk>/", views.roster_detail, name="detail"),
    path("<int:pk>/notice/", views.roster_notice, name="notice"),
    path("<int:pk>/<str:action>/", views.roster_action, name="action"),
]
