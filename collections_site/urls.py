from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from accounts.views import home
from collections_site.views import favicon

admin.site.site_header = _("Collections administration")
admin.site.site_title = _("Collections admin")

# A lost database answers 503 "try again"; anything else the plain 500 page.
handler500 = "collections_site.views.server_error"

urlpatterns = [
    path("", home, name="home"),
    path("favicon.ico", favicon),
    path("accounts/", include("accounts.urls")),
    path("cases/pipeline/", include("pipeline.urls")),
    path("cases/", include("workspace.urls")),
    # Before the compliance and dashboard pages: the disputes' register is among their tabs.
    path("", include("disputes.urls")),
    path("compliance/", include("compliance.urls")),
    path("feeds/", include("feeds.urls")),
    path("agencies/", include("agencies.urls")),
    path("agreements/", include("agreements.urls")),
    path("visits/", include("visits.urls")),
    path("litigation/", include("litigation.urls")),
    path("portal/", include("portal.urls")),
    # Supervisors' actions first: the dashboards' pages take any other slug below.
    path("dashboards/", include("supervision.urls")),
    path("dashboards/", include("reporting.urls")),
    path("admin/django-rq/", include("django_rq.urls")),
    path("admin/", admin.site.urls),
]
