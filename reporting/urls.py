from django.urls import path

from reporting import views

app_name = "reporting"

urlpatterns = [
    path("", views.dashboard, name="home"),
    path("cases/", views.drill, name="cases"),
    path("<slug:page>/", views.dashboard, name="page"),
    path("<slug:page>/csv/<slug:figure>/", views.figure_csv, name="csv"),
]
