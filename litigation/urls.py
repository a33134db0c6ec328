from django.urls import path

from litigation import views

app_name = "litigation"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("lawsuits/", views.lawsuit_list, name="list"),
    path("figures/", views.figures, name="figures"),
    path("held-back/", views.held_back, name="held_back"),
    path("lawsuits/<int:lawsuit_id>/", views.detail, name="detail"),
    path("lawsuits/<int:lawsuit_id>/bundle/", views.bundle, name="bundle"),
    path("lawsuits/<int:lawsuit_id>/review/", views.review, name="review"),
    path("lawsuits/<int:lawsuit_id>/file/", views.file, name="file"),
    path("lawsuits/<int:lawsuit_id>/hearing/", views.hearing, name="hearing"),
    path("lawsuits/<int:lawsuit_id>/hearing-held/", views.hearing_done, name="hearing_held"),
    path("lawsuits/<int:lawsuit_id>/judgment/", views.judge, name="judge"),
    path("lawsuits/<int:lawsuit_id>/enforcement/", views.enforce, name="enforce"),
    path("lawsuits/<int:lawsuit_id>/close/", views.close, name="close"),
    path("lawsuits/<int:lawsuit_id>/cost/", views.cost, name="cost"),
    path("costs/<int:cost_id>/decide/", views.cost_decide, name="cost_decide"),
]
