from django.urls import path

from agencies import views

app_name = "agencies"

urlpatterns = [
    path("", views.league, name="league"),
    path("approved/", views.approved_list, name="approved"),
    path("league.csv", views.league_csv, name="league_csv"),
    path("<int:agency_id>/", views.agency_detail, name="detail"),
    path("statements/<int:statement_id>/", views.statement_detail, name="statement"),
    path("statements/<int:statement_id>.csv", views.statement_csv_download, name="statement_csv"),
    path("statements/<int:statement_id>.pdf", views.statement_pdf_download, name="statement_pdf"),
    path("placements/", views.placement_list, name="placements"),
    path("placements/awaiting/", views.awaiting_list, name="awaiting"),
    path("placements/<int:placement_id>/recall/", views.recall, name="recall"),
    path("placements/<int:placement_id>/extend/", views.extend, name="extend"),
    path("cases/<int:case_id>/place/", views.place, name="place"),
]
