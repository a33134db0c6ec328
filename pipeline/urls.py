from django.urls import path

from pipeline import views

app_name = "pipeline"

urlpatterns = [
    path("", views.pipeline, name="page"),
    path("messages/review/", views.messages_review, name="messages_review"),
]
