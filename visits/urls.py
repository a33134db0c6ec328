from django.urls import path

from visits import views

app_name = "visits"

urlpatterns = [
    path("", views.board, name="board"),
    path("plan/<int:case_id>/", views.plan, name="plan"),
    path("<int:visit_id>/", views.detail, name="detail"),
    path("<int:visit_id>/check-in/", views.check_in, name="check_in"),
    path("<int:visit_id>/check-out/", views.check_out, name="check_out"),
    path("evidence/<int:evidence_id>/", views.evidence_file, name="evidence"),
]
