"""Where each role lands after login, and the links its navigation bar shows."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.roles import Role


@dataclass(frozen=True)
class NavLink:
    label: str | Promise
    url_name: str
    permission: str | None = None  # shown only to users holding it


ROLE_HOME: dict[Role, str] = {
    Role.COLLECTOR: "workspace:queue",
    Role.AGENCY_COLLECTOR: "workspace:queue",
    Role.AGENCY_MANAGER: "workspace:list",
    Role.SUPERVISOR: "workspace:list",
    Role.MANAGER: "workspace:list",
    Role.COMPLIANCE_OFFICER: "workspace:list",
    Role.LEGAL: "litigation:queue",
    Role.ADMIN: "admin:index",
}

# Most used first: past NAV_INLINE_LINKS, the rest of a user's links wait under "More", so that
# the bar keeps to one line at 1366 px in every language.
NAV_LINKS: list[NavLink] = [
    NavLink(_("My queue"), "workspace:queue", "cases.work_case"),
    NavLink(_("Cases"), "workspace:list", "cases.view_case"),
    NavLink(_("Dashboard"), "reporting:home", "reporting.view_dashboard"),
    NavLink(_("Incoming call"), "workspace:incoming", "cases.work_case"),
    NavLink(_("Agencies"), "agencies:league", "agencies.view_agency_performance"),
    NavLink(_("Compliance log"), "compliance:log", "compliance.view_compliance_log"),
    NavLink(_("Approved calls"), "supervision:my_approvals", "cases.work_case"),
    NavLink(_("Placements"), "agencies:placements", "agencies.change_placement"),
    NavLink(
        _("Unconfirmed payments"),
        "supervision:unconfirmed_payments",
        "supervision.reassign_case",
    ),
    NavLink(_("Visits"), "visits:board", "visits.view_visit"),
    NavLink(_("Disputes and complaints"), "disputes:register", "disputes.view_dispute"),
    NavLink(_("Litigation"), "litigation:queue", "litigation.view_lawsuit"),
    NavLink(_("Pipeline"), "pipeline:page", "pipeline.run_pipeline"),
    NavLink(_("Feeds"), "feeds:list", "reporting.view_dashboard"),
    NavLink(pgettext_lazy("the Django admin", "Admin"), "admin:index", None),
]
NAV_INLINE_LINKS = 5


def nav_links_for(user) -> list[NavLink]:
    links = []
    for link in NAV_LINKS:
        if link.url_name.startswith("admin:"):
            if user.is_staff:
                links.append(link)
        elif link.permission is None or user.has_perm(link.permission):
            links.append(link)
    return links


def nav_bar_for(user) -> tuple[list[NavLink], list[NavLink]]:
    """The user's links as the bar shows them: (in the bar, under "More"). Never one link alone
    under "More": it takes the place of the menu."""
    links = nav_links_for(user)
    if len(links) <= NAV_INLINE_LINKS + 1:
        return links, []
    return links[:NAV_INLINE_LINKS], links[NAV_INLINE_LINKS:]


# (label, URL, is the current page): one tab, as common/_tabs.html draws it.
Tab = tuple[str, str, bool]

# The dashboards' pages (reporting) and the supervisors' tools beside them, as tabs.
DASHBOARD_PAGES = {
    "people": pgettext_lazy("dashboard page", "People"),
    "portfolio": pgettext_lazy("dashboard page", "Portfolio"),
    "strategies": pgettext_lazy("dashboard page", "Strategy"),
    "agreements": pgettext_lazy("dashboard page", "Agreements"),
    "portal": pgettext_lazy("dashboard page", "Portal"),
}
DASHBOARD_TOOLS: list[NavLink] = [
    NavLink(_("Agencies"), "agencies:league", "agencies.view_agency_performance"),
    NavLink(_("Reassign"), "supervision:reassign", "supervision.reassign_case"),
    NavLink(_("Teams"), "supervision:teams", "accounts.change_team"),
    NavLink(_("Approvals"), "supervision:approvals", "compliance.override_compliance"),
    NavLink(
        _("Unconfirmed payments"),
        "supervision:unconfirmed_payments",
        "supervision.reassign_case",
    ),
    NavLink(_("Write-offs"), "agreements:writeoffs", "agreements.view_writeoffbatch"),
    NavLink(_("Pipeline"), "pipeline:page", "pipeline.run_pipeline"),
    NavLink(_("Disputes and complaints"), "disputes:dashboard", "disputes.view_dispute"),
    NavLink(_("Held back from litigation"), "litigation:held_back", "litigation.view_lawsuit"),
]
AGENCY_TABS: list[NavLink] = [
    NavLink(_("League table"), "agencies:league", "agencies.view_agency_performance"),
    NavLink(_("Current placements"), "agencies:placements", "agencies.change_placement"),
    NavLink(_("Awaiting placement"), "agencies:awaiting", "agencies.add_placement"),
]
LEGAL_TABS: list[NavLink] = [
    NavLink(_("Referrals and hearings"), "litigation:queue", "litigation.view_lawsuit"),
    NavLink(_("Lawsuits"), "litigation:list", "litigation.view_lawsuit"),
    NavLink(_("Litigation figures"), "litigation:figures", "litigation.view_lawsuit"),
]
COMPLIANCE_TABS: list[NavLink] = [
    NavLink(
        pgettext_lazy("compliance tab", "Log"), "compliance:log", "compliance.view_compliance_log"
    ),
    NavLink(_("Blocks"), "compliance:blocks", "compliance.view_compliance_log"),
    NavLink(_("Overrides"), "compliance:overrides", "compliance.view_compliance_log"),
    NavLink(
        _("Calls without a recording"), "compliance:recordings", "compliance.view_compliance_log"
    ),
    NavLink(_("Disputes and complaints"), "disputes:compliance", "disputes.view_dispute"),
    NavLink(_("Verify chain"), "compliance:verify", "compliance.view_compliance_log"),
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
