"""Included at the site's root, before the dashboards' and the compliance pages' own patterns:
the register also sits among their tabs."""

from django.urls import path

from disputes import views

app_name = "disputes"

urlpatterns = [
    path("disputes/", views.register_page, name="register"),
    path("dashboards/disputes/", views.dashboard_register, name="dashboard"),
    path("compliance/disputes/", views.compliance_register, name="compliance"),
    path("disputes/case/<int:case_id>/", views.case_grievances, name="case"),
    path("disputes/case/<int:case_id>/dispute/", views.dispute_record, name="dispute_record"),
    path("disputes/case/<int:case_id>/complaint/", views.complaint_record, name="complaint_record"),
    path("disputes/dispute/<int:dispute_id>/", views.dispute_detail, name="dispute"),
    path(
        "disputes/dispute/<int:dispute_id>/investigate/",
        views.dispute_investigate,
        name="dispute_investigate",
    ),
    path(
        "disputes/dispute/<int:dispute_id>/verification/",
        views.dispute_verification,
        name="dispute_verification",
    ),
    path(
        "disputes/dispute/<int:dispute_id>/resolve/", views.dispute_resolve, name="dispute_resolve"
    ),
    path(
        "disputes/dispute/<int:dispute_id>/documents/",
        views.dispute_documents,
        name="dispute_documents",
    ),
    path("disputes/complaint/<int:complaint_id>/", views.complaint_detail, name="complaint"),
    path(
        "disputes/complaint/<int:complaint_id>/investigate/",
        views.complaint_investigate,
        name="complaint_investigate",
    ),
    path(
        "disputes/complaint/<int:complaint_id>/resolve/",
        views.complaint_resolve,
        name="complaint_resolve",
    ),
    path(
        "disputes/complaint/<int:complaint_id>/documents/",
        views.complaint_documents,
        name="complaint_documents",
    ),
    path("disputes/documents/<int:document_id>/", views.document_file, name="document"),
]
