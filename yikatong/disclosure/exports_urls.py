from django.urls import path

from yikatong.disclosure import exports_views

app_name = "public_ledger"
urlpatterns = [
    path("", exports_views.index, name="index"),
    path("open-data/<int:year>.csv", exports_views.open_data, name="open_data"),
    path("board/<str:code>/<str:policy>/<str:period>/", exports_views.board_notice, name="board"),
    path("<str:code>/<int:year>/", exports_views.village, name="village"),
    path("<str:code>/<int:year>/ledger.xlsx", exports_views.village_excel, name="village_excel"),
]
