from django.urls import path

from yikatong.payments import views

app_name = "payments"
urlpatterns = [
    path("plans/", views.plan_list, name="plans"),
    path("plans/new/", views.plan_new, name="plan_new"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:pk>/sheet/", views.plan_sheet, name="plan_sheet"),
    path("plans/<int:pk>/<str:action>/", views.plan_action, name="plan_action"),
    path("batches/", views.batch_list, name="batches"),
    path("batches/<int:pk>/", views.batch_detail, name="batch"),
    path("batches/<int:pk>/file/", views.batch_file, name="batch_file"),
    path("batches/<int:pk>/sent/", views.batch_send, name="batch_send"),
    path("batches/<int:pk>/return/", views.return_upload, name="return_upload"),
    path("batches/<int:pk>/simulate/", views.batch_simulate, name="batch_simulate"),
    path("banks/", views.bank_setups, name="bank_setups"),
    path("banks/<int:pk>/", views.bank_setup, name="bank_setup"),
    path("failed/", views.failed, name="failed"),
    path("failed/fix/", views.line_fix, name="line_fix"),
    path("failed/fix-all/", views.lines_fix_all, name="lines_fix_all"),
    path("failed/decide/", views.line_decide, name="line_decide"),
    path("budgets/", views.budgets, name="budgets"),
    path("budgets/set/", views.budget_set, name="budget_set"),
]
