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


# (label, URL, is the current page): one tab, as common/_tabs.html draws it.
Tab = tuple[str, str, bool]

# The dashboards' pages (reporting) and the supervisors' tools beside them, as tabs.
DASHBOARD_PAGES = {"people": "People", "portfolio": "Portfolio", "strategies": "Strategy"}
DASHBOARD_TOOLS: list[NavLink] = [
    NavLink("Agencies", "agencies:league", "agencies.view_agency_performance"),
    NavLink("Reassign", "supervision:reassign", "supervision.reassign_case"),
    NavLink("Teams", "supervision:teams", "accounts.change_team"),
    NavLink("Approvals", "supervision:approvals", "compliance.override_compliance"),
    NavLink("Pipeline", "pipeline:page", "pipeline.run_pipeline"),
]
AGENCY_TABS: list[NavLink] = [
    NavLink("League table", "agencies:league", "agencies.view_agency_performance"),
    NavLink("Current placements", "agencies:placements", "agencies.change_placement"),
    NavLink("Awaiting placement", "agencies:awaiting", "agencies.add_placement"),
]
COMPLIANCE_TABS: list[NavLink] = [
    NavLink("Log", "compliance:log", "compliance.view_compliance_log"),
    NavLink("Blocks", "compliance:blocks", "compliance.view_compliance_log"),
    NavLink("Overrides", "compliance:overrides", "compliance.view_compliance_log"),
    NavLink("Verify chain", "compliance:verify", "compliance.view_compliance_log"),
]


def tabs_for(user, links: list[NavLink], active: str) -> list[Tab]:
    """The tabs of the `links` that `user` may open; `active` is the current page's URL name
    (none is current when it names none of them)."""
    return [
        (link.label, reverse(link.url_name), link.url_name == active)
        for link in links
        if link.permission is None or user.has_perm(link.permission)
    ]


def dashboard_tabs(user, active: str) -> list[Tab]:
    """The tabs above every dashboard page; `active` is a page's key or a tool's URL name."""
    pages = [
        (label, reverse("reporting:page", args=[key]), key == active)
        for key, label in DASHBOARD_PAGES.items()
    ]
    return pages + tabs_for(user, DASHBOARD_TOOLS, active)
