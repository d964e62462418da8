from django.urls import path

from yikatong.core import views

app_name = "core"
urlpatterns = [
    path("workbench/", views.workbench, name="workbench"),
    path("regions/", views.region_list, name="regions"),
    path("regions/<str:code>/", views.region_detail, name="region_detail"),
]
