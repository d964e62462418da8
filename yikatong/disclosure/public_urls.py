from django.urls import path

from yikatong.disclosure import public_views

app_name = "public_disclosure"
urlpatterns = [
    path("", public_views.index, name="index"),
    path("<str:village>/<str:policy>/<str:period>/", public_views.village, name="village"),
    path("<str:village>/<str:policy>/<str:period>/v<int:number>/", public_views.revision, name="revision"),
]
