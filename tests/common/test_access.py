"""The one access decorator: anonymous visitors log in first, the rest need the permission,
and a user without it is told the page does not exist (404), never that it is forbidden."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from common.access import permission_required_or_404

pytestmark = pytest.mark.django_db


@permission_required_or_404("reporting.view_dashboard")
def dashboard_view(request, page: str):
    return HttpResponse(f"figures of {page}")


@permission_required_or_404("reporting.view_dashboard", "pipeline.run_pipeline")
def pipeline_view(request):
    return HttpResponse("pipeline")


def request_by(user):
    request = RequestFactory().get("/somewhere/?page=2")
    request.user = user
    return request


def test_an_anonymous_visitor_is_sent_to_log_in_and_brought_back():
    response = dashboard_view(request_by(AnonymousUser()), page="people")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next=/somewhere/%3Fpage%3D2"


def test_a_user_without_the_permission_is_told_the_page_does_not_exist(collector):
    with pytest.raises(Http404):
        dashboard_view(request_by(collector), page="people")


def test_a_user_needs_every_permission_named(compliance_officer):
    assert compliance_officer.has_perm("reporting.view_dashboard")
    with pytest.raises(Http404):
        pipeline_view(request_by(compliance_officer))


def test_a_user_with_the_permission_reaches_the_view_with_its_arguments(supervisor):
    response = dashboard_view(request_by(supervisor), page="people")
    assert response.status_code == 200
    assert response.content == b"figures of people"
    assert pipeline_view(request_by(supervisor)).status_code == 200


def test_the_shared_package_imports_none_of_the_project_apps():
    package = Path(settings.BASE_DIR) / "common"
    project_apps = {
        config.name.split(".")[0]
        for config in apps.get_app_configs()
        if Path(config.path).parent == Path(settings.BASE_DIR)
    } | {"collections_site"}
    assert {"accounts", "cases", "agencies"} <= project_apps
    imported = set()
    for source in package.glob("**/*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module.split(".")[0])
    assert imported
    # Its modules may use one another; `common` itself is the one app they may import.
    assert imported & (project_apps - {"common"}) == set()
