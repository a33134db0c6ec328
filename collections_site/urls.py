from django.contrib import admin
from django.urls import include, path

from accounts.views import home
from collections_site.views import favicon

admin.site.site_header = "Collections administration"
admin.site.site_title = "Collections admin"

urlpatterns = [
    path("", home, name="home"),
    path("favicon.ico", favicon),
    path("accounts/", include("accounts.urls")),
    path("cases/", include("cases.urls")),
    path("compliance/", include("cases.compliance.urls")),
    path("feeds/", include("cases.feeds.urls")),
    path("agencies/", include("agencies.urls")),
    path("dashboards/", include("cases.dashboards.urls")),
    path("admin/django-rq/", include("django_rq.urls")),
    path("admin/", admin.site.urls),
]
