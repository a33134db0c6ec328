from django.urls import path

from supervision import views

app_name = "supervision"

urlpatterns = [
    path("cases/<int:case_id>/", views.case_supervise, name="case"),
    path("reassign/", views.reassign, name="reassign"),
    path("teams/", views.teams, name="teams"),
    path("approvals/", views.approvals, name="approvals"),
    path("payments/unconfirmed/", views.unconfirmed_payments, name="unconfirmed_payments"),
    path("approvals/mine/", views.my_approvals, name="my_approvals"),
    path("approvals/<int:approval_id>/call/", views.approved_call, name="approved_call"),
]
