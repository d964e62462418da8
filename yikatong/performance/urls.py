from django.urls import path

from yikatong.performance import views

app_name = "performance"

urlpatterns = [
    path("", views.target_list, name="list"),
    path("monitor/", views.monitor, name="monitor"),
    path("sets/<int:pk>/<str:action>/", views.target_action, name="action"),
    path("<str:code>/<int:year>/", views.target_detail, name="detail"),
    path("<str:code>/<int:year>/draft/", views.target_draft, name="draft"),
    path("<str:code>/<int:year>/monitor/", views.policy_monitor, name="policy_monitor"),
    path("<str:code>/<int:year>/lines/", views.lines, name="lines"),
    path("<str:code>/<int:year>/report/", views.evaluation, name="report"),
    path("<str:code>/<int:year>/report.pdf", views.evaluation_pdf, name="report_pdf"),
    path("<str:code>/<int:year>/report.xlsx", views.evaluation_xlsx, name="report_xlsx"),
    path("<str:code>/<int:year>/publish/", views.publish, name="publish"),
]
