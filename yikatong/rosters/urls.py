from django.urls import path

from yikatong.rosters import views

app_name = "rosters"
urlpatterns = [
    path("", views.roster_list, name="list"),
    path("todo/", views.todo, name="todo"),
    path("new/", views.roster_new, name="new"),
    path("<int:pk>/", views.roster_detail, name="detail"),
    path("<int:pk>/notice/", views.roster_notice, name="notice"),
    path("<int:pk>/upload/", views.roster_upload, name="upload"),
    path("<int:pk>/template.xlsx", views.roster_template, name="template"),
    path("<int:pk>/files/<int:file_pk>/", views.roster_file, name="file"),
    path("<int:pk>/files/<int:file_pk>/confirm/", views.roster_file_confirm, name="file_confirm"),
    path("<int:pk>/files/<int:file_pk>/report.<str:fmt>", views.roster_file_report, name="file_report"),
    path("<int:pk>/<str:action>/", views.roster_action, name="action"),
]
