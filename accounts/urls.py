from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("session/renew/", views.session_renew, name="session_renew"),
    path("language/", views.language_switch, name="language_switch"),
]
