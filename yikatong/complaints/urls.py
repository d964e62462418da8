from django.urls import path

from yikatong.complaints import views

app_name = "complaints"
urlpatterns = [
    path("", views.complaint_list, name="list"),
    path("<int:pk>/", views.complaint_detail, name="detail"),
    path("<int:pk>/<str:step>/", views.complaint_act, name="act"),
    path("files/<int:pk>/", views.attachment, name="attachment"),
]
