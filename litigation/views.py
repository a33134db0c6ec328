"""The legal team's pages: the queue of referrals with the hearings coming, the lawsuits by
step, a lawsuit with its step forms; and the supervisors' list of cases the referral criteria
hold back. A lawsuit out of the user's scope (lawsuits_visible_to) is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from accounts.navigation import DASHBOARD_TOOLS, LEGAL_TABS, tabs_for
from common.access import permission_required_or_404, posted_id
from litigation.bundle import evidence_bundle
from litigation.forms import (
    CloseForm,
    CostForm,
    EnforcementForm,
    FileForm,
    HearingForm,
    HearingHeldForm,
    JudgmentForm,
    ReviewForm,
    StepFilterForm,
)
from litigation.models import Hearing, Lawsuit, LawsuitCost
from litigation.selectors import cases_held_back, hearings_upcoming, lawsuits_visible_to
from litigation.services import (
    LawsuitStepRefused,
    cost_approval_limit,
    enforcement_step_record,
    hearing_held,
    hearing_schedule,
    lawsuit_close,
    lawsuit_cost_decide,
    lawsuit_cost_record,
    lawsuit_file,
    lawsuit_judge,
    lawsuit_review,
)

VIEW = "litigation.view_lawsuit"
ACT = "litigation.change_lawsuit"
ADD_COST = "litigation.add_lawsuitcost"
APPROVE_COST = "litigation.approve_lawsuitcost"
PAGE_SIZE = 50


@permission_required_or_404(VIEW)
def queue(request):
    """Referrals awaiting review, the hearings coming (the assigned lawyer's first), and the
    costs awaiting approval."""
    now = timezone.now()
    visible = lawsuits_visible_to(request.user)
    referred = visible.filter(status=Lawsuit.Status.REFERRED).select_related(
        "case__debtor", "case__account"
    )
    hearings = hearings_upcoming(request.user, now=now)
    awaiting_costs = LawsuitCost.objects.none()
    if request.user.has_perm(APPROVE_COST):
        awaiting_costs = (
            LawsuitCost.objects.filter(status=LawsuitCost.Status.AWAITING, lawsuit__in=visible)
            .exclude(recorded_by=request.user)
            .select_related("lawsuit", "recorded_by")
        )
    return render(
        request,
        "litigation/queue.html",
        {
            "referred": referred.order_by("referred_at", "pk")[:PAGE_SIZE],
            "referred_count": referred.count(),
            "my_hearings": [
                h for h in hearings[:PAGE_SIZE] if h.lawsuit.lawyer_id == request.user.pk
            ],
            "hearings": hearings[:PAGE_SIZE],
            "awaiting_costs": awaiting_costs[:PAGE_SIZE],
            "tabs": _tabs(request, "litigation:queue"),
        },
    )


def _tabs(request, active: str):
    return tabs_for(request.user, LEGAL_TABS, active)


@permission_required_or_404(VIEW)
def lawsuit_list(request):
    """Lawsuits by step, with how many are in each."""
    form = StepFilterForm(request.GET or None)
    visible = lawsuits_visible_to(request.user)
    lawsuits = visible.select_related("case__debtor", "law_firm", "lawyer").order_by(
        "-referred_at", "-pk"
    )
    if form.is_valid() and form.cleaned_data["status"]:
        lawsuits = lawsuits.filter(status=form.cleaned_data["status"])
    counts = dict(visible.order_by().values_list("status").annotate(n=Count("pk")))
    steps = [(value, label, counts.get(value, 0)) for value, label in Lawsuit.Status.choices]
    page = Paginator(lawsuits, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "litigation/list.html",
        {"form": form, "page": page, "steps": steps, "tabs": _tabs(request, "litigation:list")},
    )


def _lawsuit_for(user, lawsuit_id: int) -> Lawsuit:
    return get_object_or_404(
        lawsuits_visible_to(user).select_related(
            "case__debtor", "case__account", "law_firm", "lawyer", "reviewed_by"
        ),
        pk=lawsuit_id,
    )


STEP_FORMS = {
    "review": ReviewForm,
    "file": FileForm,
    "hearing": HearingForm,
    "judge": JudgmentForm,
    "enforce": EnforcementForm,
    "close": CloseForm,
    "cost": CostForm,
}


def _detail(
    request, lawsuit: Lawsuit, *, bound: dict | None = None, refusal: str = "", status: int = 200
):
    forms = {name: form_class() for name, form_class in STEP_FORMS.items()}
    forms.update(bound or {})
    costs = list(lawsuit.costs.select_related("recorded_by", "decided_by"))
    steps = list(lawsuit.enforcement_steps.all())
    return render(
        request,
        "litigation/detail.html",
        {
            "lawsuit": lawsuit,
            "refusal": refusal,
            "case": lawsuit.case,
            "events": lawsuit.events.select_related("actor"),
            "hearings": lawsuit.hearings.all(),
            "held_form": HearingHeldForm(),
            "enforcement_steps": steps,
            "recovered": sum((step.recovered for step in steps), start=0),
            "costs": costs,
            "approved_costs": sum(
                (c.amount for c in costs if c.status == LawsuitCost.Status.APPROVED), start=0
            ),
            "cost_limit": cost_approval_limit(),
            "forms": forms,
            "can_act": request.user.has_perm(ACT),
            "can_add_cost": request.user.has_perm(ADD_COST),
            "can_approve": request.user.has_perm(APPROVE_COST),
            "now": timezone.now(),
            "tabs": _tabs(request, ""),
        },
        status=status,
    )


@permission_required_or_404(VIEW)
def detail(request, lawsuit_id: int):
    return _detail(request, _lawsuit_for(request.user, lawsuit_id))


def _step(request, lawsuit_id: int, name: str, act, done: str):
    """Read the step's form, call its service; a refused step or bad input shows the page
    again with the reason and what was typed."""
    lawsuit = _lawsuit_for(request.user, lawsuit_id)
    form = STEP_FORMS[name](request.POST)
    refusal = ""
    if form.is_valid():
        try:
            act(lawsuit, form.cleaned_data, timezone.now())
        except LawsuitStepRefused as refused:
            refusal = str(refused)
        else:
            messages.success(request, done)
            return redirect("litigation:detail", lawsuit.pk)
    return _detail(request, lawsuit, bound={name: form}, refusal=refusal, status=400)


@permission_required_or_404(VIEW)
def bundle(request, lawsuit_id: int):
    """The evidence bundle: one ZIP of the summary PDF and its attachments."""
    lawsuit = _lawsuit_for(request.user, lawsuit_id)
    response = HttpResponse(
        evidence_bundle(lawsuit=lawsuit, now=timezone.now()), content_type="application/zip"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="lawsuit-{lawsuit.pk}-evidence-bundle.zip"'
    )
    return response


@permission_required_or_404(ACT)
@require_POST
def review(request, lawsuit_id: int):
    def act(lawsuit, data, now):
        lawsuit_review(
            lawsuit=lawsuit,
            user=request.user,
            accept=data["decision"] == "accept",
            reason=data["reason"],
            now=now,
        )

    return _step(request, lawsuit_id, "review", act, gettext("The referral is reviewed."))


@permission_required_or_404(ACT)
@require_POST
def file(request, lawsuit_id: int):
    def act(lawsuit, data, now):
        lawsuit_file(lawsuit=lawsuit, user=request.user, now=now, **data)

    return _step(
        request,
        lawsuit_id,
        "file",
        act,
        gettext("The lawsuit is filed; the case is under a legal hold."),
    )


@permission_required_or_404(ACT)
@require_POST
def hearing(request, lawsuit_id: int):
    def act(lawsuit, data, now):
        hearing_schedule(
            lawsuit=lawsuit,
            user=request.user,
            scheduled_at=data["scheduled_at"],
            place=data["place"],
            now=now,
        )

    return _step(request, lawsuit_id, "hearing", act, gettext("The hearing is scheduled."))


@permission_required_or_404(ACT)
@require_POST
def hearing_done(request, lawsuit_id: int):
    lawsuit = _lawsuit_for(request.user, lawsuit_id)
    held = get_object_or_404(Hearing, pk=posted_id(request, "hearing"), lawsuit=lawsuit)
    form = HearingHeldForm(request.POST)
    if form.is_valid():
        try:
            hearing_held(
                hearing=held,
                user=request.user,
                notes=form.cleaned_data["notes"],
                now=timezone.now(),
            )
        except LawsuitStepRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, gettext("The hearing is recorded as held."))
        return redirect("litigation:detail", lawsuit.pk)
    messages.error(request, "; ".join(e for errors in form.errors.values() for e in errors))
    return redirect("litigation:detail", lawsuit.pk)


@permission_required_or_404(ACT)
@require_POST
def judge(request, lawsuit_id: int):
    def act(lawsuit, data, now):
        lawsuit_judge(lawsuit=lawsuit, user=request.user, now=now, **data)

    return _step(request, lawsuit_id, "judge", act, gettext("The judgment is recorded."))


@permission_required_or_404(ACT)
@require_POST
def enforce(request, lawsuit_id: int):
    def act(lawsuit, data, now):
        enforcement_step_record(
            lawsuit=lawsuit,
            user=request.user,
            taken_on=data["taken_on"],
            description=data["description"],
            recovered=data["recovered"] or 0,
            now=now,
        )

    return _step(request, lawsuit_id, "enforce", act, gettext("The enforcement step is recorded."))


@permission_required_or_404(ACT)
@require_POST
def close(request, lawsuit_id: int):
    def act(lawsuit, data, now):
        lawsuit_close(lawsuit=lawsuit, user=request.user, now=now, **data)

    return _step(request, lawsuit_id, "close", act, gettext("The lawsuit is closed."))


@permission_required_or_404(ADD_COST)
@require_POST
def cost(request, lawsuit_id: int):
    def act(lawsuit, data, now):
        lawsuit_cost_record(lawsuit=lawsuit, user=request.user, now=now, **data)

    return _step(request, lawsuit_id, "cost", act, gettext("The cost is recorded."))


@permission_required_or_404(APPROVE_COST)
@require_POST
def cost_decide(request, cost_id: int):
    decided = get_object_or_404(
        LawsuitCost.objects.filter(lawsuit__in=lawsuits_visible_to(request.user)), pk=cost_id
    )
    approve = request.POST.get("decision") == "approve"
    try:
        lawsuit_cost_decide(cost=decided, user=request.user, approve=approve, now=timezone.now())
    except LawsuitStepRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            gettext("The cost is approved.") if approve else gettext("The cost is rejected."),
        )
    return redirect("litigation:detail", decided.lawsuit_id)


@permission_required_or_404(VIEW)
def held_back(request):
    """Cases with the days of a litigation stage that its referral criteria hold back, and
    what each misses."""
    business_date = timezone.localdate()
    return render(
        request,
        "litigation/held_back.html",
        {
            "held": cases_held_back(request.user, business_date=business_date),
            "business_date": business_date,
            "tabs": tabs_for(request.user, DASHBOARD_TOOLS, "litigation:held_back"),
        },
    )


@permission_required_or_404(VIEW)
def figures(request):
    """Lawsuits per step; costs against recoveries per law firm."""
    visible = lawsuits_visible_to(request.user)
    per_step = dict(visible.order_by().values_list("status").annotate(n=Count("pk")))
    firms = (
        visible.exclude(law_firm=None)
        .order_by()
        .values("law_firm__name", "currency")
        .annotate(lawsuits=Count("pk", distinct=True))
        .order_by("law_firm__name", "currency")
    )
    costs = {
        (row["lawsuit__law_firm__name"], row["lawsuit__currency"]): row["total"]
        for row in LawsuitCost.objects.filter(
            lawsuit__in=visible, status=LawsuitCost.Status.APPROVED
        )
        .exclude(lawsuit__law_firm=None)
        .values("lawsuit__law_firm__name", "lawsuit__currency")
        .annotate(total=Sum("amount"))
    }
    recovered = {
        (row["law_firm__name"], row["currency"]): row["total"]
        for row in visible.exclude(law_firm=None)
        .values("law_firm__name", "currency")
        .annotate(total=Sum("enforcement_steps__recovered"))
    }
    days_to_judgment = [
        (judged - referred).days
        for referred, judged in visible.filter(judgment_on__isnull=False).values_list(
            "referred_on", "judgment_on"
        )
    ]
    rows = [
        {
            "firm": row["law_firm__name"],
            "currency": row["currency"],
            "lawsuits": row["lawsuits"],
            "costs": costs.get((row["law_firm__name"], row["currency"])) or 0,
            "recovered": recovered.get((row["law_firm__name"], row["currency"])) or 0,
        }
        for row in firms
    ]
    return render(
        request,
        "litigation/figures.html",
        {
            "steps": [(v, label, per_step.get(v, 0)) for v, label in Lawsuit.Status.choices],
            "firms": rows,
            "judged": len(days_to_judgment),
            "average_days_to_judgment": (
                round(sum(days_to_judgment) / len(days_to_judgment)) if days_to_judgment else None
            ),
            "tabs": _tabs(request, "litigation:figures"),
        },
    )
