"""Where each role lands after login, and the links its navigation bar shows."""

from __future__ import annotations

from dataclasses import dataclass

from accounts.roles import Role


@dataclass(frozen=True)
class NavLink:
    label: str
    url_name: str
    permission: str | None = None  # shown only to users holding it


ROLE_HOME: dict[Role, str] = {
    Role.COLLECTOR: "cases:queue",
    Role.AGENCY_COLLECTOR: "cases:queue",
    Role.AGENCY_MANAGER: "cases:list",
    Role.SUPERVISOR: "cases:list",
    Role.COMPLIANCE_OFFICER: "cases:list",
    Role.ADMIN: "admin:index",
}

NAV_LINKS: list[NavLink] = [
    NavLink("My queue", "cases:queue", "cases.work_case"),
    NavLink("Cases", "cases:list", "cases.view_case"),
    NavLink("Dashboard", "dashboards:home", "cases.view_dashboard"),
    NavLink("Approved calls", "dashboards:my_approvals", "cases.work_case"),
    NavLink("Agencies", "agencies:league", "agencies.view_agency_performance"),
    NavLink("Placements", "agencies:placements", "agencies.change_placement"),
    NavLink("Pipeline", "cases:pipeline", "cases.run_pipeline"),
    NavLink("Compliance log", "compliance:log", "cases.view_compliance_log"),
    NavLink("Feeds", "feeds:list", "cases.view_dashboard"),
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
