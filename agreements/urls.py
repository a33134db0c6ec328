from django.urls import path

from agreements import views

app_name = "agreements"

urlpatterns = [
    path("case/<int:case_id>/", views.case_agreements, name="case"),
    path("case/<int:case_id>/plans/new/", views.plan_new, name="plan_new"),
    path("case/<int:case_id>/offers/new/", views.offer_new, name="offer_new"),
    path("plans/<int:plan_id>/", views.plan_detail, name="plan"),
    path("plans/<int:plan_id>/cancel/", views.plan_cancelled, name="plan_cancel"),
    path("plans/<int:plan_id>/decide/", views.plan_request_decision, name="plan_decide"),
    path("plans/<int:plan_id>/letter/", views.plan_letter, name="plan_letter"),
    path(
        "plans/<int:plan_id>/letter.pdf", views.plan_letter, {"pdf": True}, name="plan_letter_pdf"
    ),
    path("offers/<int:offer_id>/", views.offer_detail, name="offer"),
    path("offers/<int:offer_id>/accept/", views.offer_accepted, name="offer_accept"),
    path("offers/<int:offer_id>/decide/", views.offer_decision, name="offer_decide"),
    path("offers/<int:offer_id>/letter/", views.offer_letter, name="offer_letter"),
    path(
        "offers/<int:offer_id>/letter.pdf",
        views.offer_letter,
        {"pdf": True},
        name="offer_letter_pdf",
    ),
    path("write-offs/", views.writeoff_batches, name="writeoffs"),
    path("write-offs/<int:batch_id>/", views.writeoff_batch, name="writeoff_batch"),
    path(
        "write-offs/<int:batch_id>/approve/",
        views.writeoff_batch_approval,
        name="writeoff_approve",
    ),
]
