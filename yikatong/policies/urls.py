from django.urls import path

from yikatong.policies import views

app_name = "policies"
urlpatterns = [
    path("", views.policy_list, name="list"),
    path("new/", views.version_edit, name="new"),
    path("import/", views.policy_import, name="import"),
    path("export.xlsx", views.policy_export, name="export"),
    path("versions/<int:pk>/edit/", views.version_edit, name="edit"),
    path("versions/<int:pk>/<str:action>/", views.version_action, name="action"),
    path("<str:code>/", views.policy_detail, name="detail"),
]
