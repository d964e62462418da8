from django.urls import path

from yikatong.policies import views

app_name = "public_policies"
urlpatterns = [
    path("", views.public_list, name="list"),
    path("policies.xlsx", views.public_excel, name="excel"),
    path("documents/<int:pk>/", views.public_document, name="document"),
    path("<str:code>/", views.public_detail, name="detail"),
]
