from django.urls import path

from compliance import views

app_name = "compliance"

urlpatterns = [
    path("", views.log_list, name="log"),
    path("<int:entry_id>/", views.log_detail, name="detail"),
    path("blocks/", views.block_counts, name="blocks"),
    path("overrides/", views.override_list, name="overrides"),
    path("recordings/", views.calls_without_recording, name="recordings"),
    path("verify/", views.chain_verify, name="verify"),
]
