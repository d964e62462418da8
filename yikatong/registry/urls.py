from django.urls import path

from yikatong.registry import views

app_name = "registry"
urlpatterns = [
    path("persons/", views.person_search, name="person_search"),
    path("persons/<int:pk>/", views.person_detail, name="person_detail"),
    path("persons/<int:pk>/card/", views.card_register, name="card_register"),
    path("cards/<int:pk>/status/", views.card_status, name="card_status"),
    path("banks/", views.bank_list, name="bank_list"),
    path("banks/new/", views.bank_edit, name="bank_new"),
    path("banks/<int:pk>/", views.bank_edit, name="bank_edit"),
    path("imports/", views.import_list, name="import_list"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/report.<str:fmt>", views.import_report, name="import_report"),
    path("snapshots/", views.snapshot_list, name="snapshot_list"),
]
