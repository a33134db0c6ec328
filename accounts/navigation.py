"""Where each role lands after login, and the links its navigation bar shows."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from accounts.roles import Role


@dataclass(frozen=True)
class NavLink:
    label: str
    url_name: str
    permission: str | None = None  # shown only to users holding it


ROLE_HOME: dict[Role, str] = {
    Role.COLLECTOR: "workspace:queue",
    Role.AGENCY_COLLECTOR: "workspace:queue",
    Role.AGENCY_MANAGER: "workspace:list",
    Role.SUPERVISOR: "workspace:list",
    Role.COMPLIANCE_OFFICER: "workspace:list",
    Role.ADMIN: "admin:index",
}

NAV_LINKS: list[NavLink] = [
    NavLink("My queue", "workspace:queue", "cases.work_case"),
    NavLink("Cases", "workspace:list", "cases.view_case"),
    NavLink("Dashboard", "reporting:home", "reporting.view_dashboard"),
    NavLink("Approved calls", "supervision:my_approvals", "cases.work_case"),
    NavLink("Agencies", "agencies:league", "agencies.view_agency_performance"),
    NavLink("Placements", "agencies:placements", "agencies.change_placement"),
    NavLink("Pipeline", "pipeline:page", "pipeline.run_pipeline"),
    NavLink("Compliance log", "compliance:log", "compliance.view_compliance_log"),
    NavLink("Feeds", "feeds:list", "reporting.view_dashboard"),
    NavLink("Admin", "admin:index", None),
]


def nav_links_for(user) -> list[NavLink]:
    links = []
    for link in NAV_LINKS:
        if link.url_name.startswith("admin:"):
            if user.is_staff:
                links.append(link)
        elif link.permission is None or user.has_perm(link.permission):
            links.append(link)
    return links


# The dashboards' pages (reporting) and the supervisors' tools beside them, as tabs.
DASHBOARD_PAGES = {"people": "People", "portfolio": "Portfolio", "strategies": "Strategy"}
DASHBOARD_TOOLS: list[NavLink] = [
    NavLink("Agencies", "agencies:league", "agencies.view_agency_performance"),
    NavLink("Reassign", "supervision:reassign", "supervision.reassign_case"),
    NavLink("Teams", "supervision:teams", "accounts.change_team"),
    NavLink("Approvals", "supervision:approvals", "compliance.override_compliance"),
    NavLink("Pipeline", "pipeline:page", "pipeline.run_pipeline"),
]


def dashboard_tabs(user, active: str) -> list[tuple[str, str, bool]]:
    """(label, URL, is the current page) of the tabs above every dashboard page; `active` is a
    page's key or a tool's URL name."""
    tabs = [
        (label, reverse("reporting:page", args=[key]), key == active)
        for key, label in DASHBOARD_PAGES.items()
    ]
    tabs.extend(
        (tool.label, reverse(tool.url_name), tool.url_name == active)
        for tool in DASHBOARD_TOOLS
        if user.has_perm(tool.permission)
    )
    return tabs
