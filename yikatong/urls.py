"""URL spaces: staff workbench, public portal under /public/, API under /api/, admin under /admin/."""

from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from yikatong.api import api
from yikatong.workbench import views as workbench_views

admin.site.site_header = "一卡通平台 · 基础数据管理"
admin.site.site_title = "一卡通平台管理"
admin.site.index_title = "基础数据"

urlpatterns = [
    path("", workbench_views.home, name="home"),
    path("", include("yikatong.workbench.urls")),
    path("accounts/", include("yikatong.accounts.urls")),
    path("audit/", include("yikatong.workbench.audit_urls")),
    path("tasks/", include("yikatong.tasks.urls")),
    path("registry/", include("yikatong.registry.urls")),
    path("policies/", include("yikatong.policies.urls")),
    path("rosters/", include("yikatong.rosters.urls")),
    path("payments/", include("yikatong.payments.urls")),
    path("notices/", include("yikatong.notices.urls")),
    path("checks/", include("yikatong.checks.urls")),
    path("disclosure/", include("yikatong.disclosure.urls")),
    path("complaints/", include("yikatong.complaints.urls")),
    path("sharing/", include("yikatong.sharing.urls")),
    path("performance/", include("yikatong.performance.urls")),
    path("public/policies/", include("yikatong.policies.public_urls")),
    path("public/notices/", include("yikatong.rosters.public_urls")),
    path("public/disclosure/", include("yikatong.disclosure.public_urls")),
    path("public/lookup/", include("yikatong.disclosure.lookup_urls")),
    path("public/ledger/", include("yikatong.disclosure.exports_urls")),
    path("public/complaints/", include("yikatong.complaints.public_urls")),
    path("public/performance/", include("yikatong.performance.public_urls")),
    path("public/", include("yikatong.workbench.public_urls")),
    path("api/", api.urls),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
]
