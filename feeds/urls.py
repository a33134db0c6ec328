from django.urls import path

from feeds import views

app_name = "feeds"

urlpatterns = [
    path("", views.index, name="list"),
    path("upload/", views.upload, name="upload"),
    path("imports/<int:run_id>/", views.detail, name="detail"),
    path("imports/<int:run_id>/progress/", views.progress, name="progress"),
    path("imports/<int:run_id>/rejected.csv", views.rejected_csv, name="rejected_csv"),
    path("exports/<str:name>.csv", views.export, name="export"),
]
