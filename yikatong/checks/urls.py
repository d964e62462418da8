from django.urls import path

from yikatong.checks import views, views_monitor

app_name = "checks"
urlpatterns = [
    path("monitor/", views_monitor.monitor, name="monitor"),
    path("findings/", views.findings, name="findings"),
    path("findings/<int:pk>/", views.finding_detail, name="finding_detail"),
    path("findings/<int:pk>/settle/", views.finding_settle, name="finding_settle"),
    path("runs/", views.runs, name="runs"),
    path("runs/start/", views.run_start, name="run_start"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("runs/<int:pk>/findings.xlsx", views.run_export, name="run_export"),
    path("runs/<int:pk>/sample/", views.run_sample, name="run_sample"),
    path("runs/<int:pk>/sample.xlsx", views.run_sample_export, name="run_sample_export"),
    path("posthoc/", views.posthoc, name="posthoc"),
    path("rules/", views.rules, name="rules"),
    path("rules/<str:code>/change/", views.rule_change, name="rule_change"),
]
