from django.urls import path

from yikatong.workbench import views

app_name = "workbench"
urlpatterns = [
    path("workbench/", views.workbench, name="home"),
    path("regions/", views.region_list, name="regions"),
    path("regions/<str:code>/", views.region_detail, name="region_detail"),
]
