from django.urls import path

from yikatong.disclosure import views

app_name = "disclosure"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("published/", views.published, name="list"),
    path("published/<int:pk>/", views.detail, name="detail"),
    path("published/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("due/<int:policy>/<str:period>/<str:village>/", views.preview, name="preview"),
    path("due/<int:policy>/<str:period>/<str:village>/approve/", views.approve, name="approve"),
]
