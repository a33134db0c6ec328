"""The agreements' pages: a case's plans and offers, making them, their letters, and deciding
an offer; the write-off batches a manager approves. Every object is found through the user's
case scope: outside it, 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts.navigation import dashboard_tabs
from agreements.forms import DecisionForm, OfferForm, PlanCancelForm, PlanForm, RemovalForm
from agreements.models import RepaymentPlan, SettlementOffer, WriteOffBatch
from agreements.selectors import (
    offers_visible_to,
    plans_visible_to,
    writeoff_batches_visible_to,
    writeoff_proposals_visible_to,
    writeoff_totals,
)
from agreements.services import (
    AgreementRefused,
    debtor_address,
    offer_accept,
    offer_decide,
    offer_letter_text,
    offer_make,
    offer_within_authority,
    plan_cancel,
    plan_create,
    plan_letter_text,
    plan_request_approve,
    plan_request_decline,
    writeoff_batch_approve,
    writeoff_proposal_remove,
)
from cases.models import Case
from cases.selectors import cases_visible_to
from common.access import permission_required_or_404, posted_id
from common.days import business_day_of
from pipeline.letters import letter_html, letter_pdf

# The write-off page lists the latest batches; older ones are in the admin.
WRITEOFF_BATCHES_SHOWN = 60
WRITEOFF_CASES_PER_PAGE = 100


def _case(user, case_id: int) -> Case:
    return get_object_or_404(cases_visible_to(user).select_related("account", "debtor"), pk=case_id)


@permission_required_or_404("agreements.view_repaymentplan", "agreements.view_settlementoffer")
def case_agreements(request, case_id: int):
    """A case's plans and offers, with the way to make new ones."""
    case = _case(request.user, case_id)
    return render(
        request,
        "agreements/case_agreements.html",
        {
            "case": case,
            "plans": case.repayment_plans.select_related("agreed_by").prefetch_related(
                "instalments"
            ),
            "offers": case.settlement_offers.select_related("created_by", "decided_by"),
            "can_add_plan": request.user.has_perm("agreements.add_repaymentplan"),
            "can_add_offer": request.user.has_perm("agreements.add_settlementoffer"),
        },
    )


@permission_required_or_404("agreements.add_repaymentplan")
@require_http_methods(["GET", "POST"])
def plan_new(request, case_id: int):
    case = _case(request.user, case_id)
    now = timezone.now()
    business_date = business_day_of(now)
    form = PlanForm(request.POST or None, initial={"first_due_date": business_date})
    if request.method == "POST" and form.is_valid():
        try:
            plan = plan_create(
                actor=request.user,
                case=case,
                business_date=business_date,
                now=now,
                **form.cleaned_data,
            )
        except AgreementRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("Repayment plan recorded; the case is paused."))
            return redirect("agreements:plan", plan.pk)
    return render(request, "agreements/plan_form.html", {"case": case, "form": form})


@permission_required_or_404("agreements.view_repaymentplan")
def plan_detail(request, plan_id: int):
    plan = get_object_or_404(
        plans_visible_to(request.user).select_related("case__account", "agreed_by", "letter"),
        pk=plan_id,
    )
    return render(
        request,
        "agreements/plan_detail.html",
        {
            "plan": plan,
            "case": plan.case,
            "instalments": plan.instalments.all(),
            "cancel_form": _cancel_form(request.user, plan),
        },
    )


def _cancel_form(user, plan, data=None) -> PlanCancelForm | None:
    """The form that cancels the plan, for who may while it is being kept."""
    if plan.status != plan.Status.ACTIVE or not user.has_perm("agreements.change_repaymentplan"):
        return None
    return PlanCancelForm(data)


@permission_required_or_404("agreements.change_repaymentplan")
@require_POST
def plan_cancelled(request, plan_id: int):
    plan = get_object_or_404(
        plans_visible_to(request.user).select_related("case__account", "agreed_by", "letter"),
        pk=plan_id,
    )
    form = PlanCancelForm(request.POST)
    if form.is_valid():
        now = timezone.now()
        try:
            plan_cancel(
                actor=request.user,
                plan=plan,
                reason=form.cleaned_data["reason"],
                business_date=business_day_of(now),
                now=now,
            )
        except AgreementRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, _("Plan cancelled; the case is back on its ladder."))
        return redirect("agreements:plan", plan.pk)
    context = {"plan": plan, "case": plan.case, "instalments": plan.instalments.all()}
    return render(
        request, "agreements/plan_detail.html", {**context, "cancel_form": form}, status=400
    )


@permission_required_or_404("agreements.change_repaymentplan")
@require_POST
def plan_request_decision(request, plan_id: int):
    """Approve or decline a plan a debtor asked for; back to the Approvals page."""
    plan = get_object_or_404(plans_visible_to(request.user), pk=plan_id)
    form = DecisionForm(request.POST)
    approve = request.POST.get("decision") == "approve"
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("note", [])))
        return redirect("supervision:approvals")
    now = timezone.now()
    decide = plan_request_approve if approve else plan_request_decline
    note = {"note" if approve else "reason": form.cleaned_data["note"]}
    try:
        decide(actor=request.user, plan=plan, business_date=business_day_of(now), now=now, **note)
    except AgreementRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            (
                _("Plan #%(id)s approved: the case is paused while it is kept.")
                if approve
                else _("Plan #%(id)s declined; the debtor sees your reason.")
            )
            % {"id": plan.pk},
        )
    return redirect("supervision:approvals")


def _letter_fields(agreement, subject: str, body: str) -> dict:
    case = agreement.case
    return {
        "subject": subject,
        "body": body,
        "debtor": case.debtor,
        "account": case.account,
        "address": debtor_address(case.debtor),
        "date": agreement.created_at.date(),
    }


def _pdf(document: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@permission_required_or_404("agreements.view_repaymentplan")
def plan_letter(request, plan_id: int, pdf: bool = False):
    """The plan's confirmation letter in the debtor's language: HTML, or PDF for print."""
    plan = get_object_or_404(
        plans_visible_to(request.user)
        .exclude(status__in=RepaymentPlan.UNAGREED_STATUSES)
        .select_related("case__account", "case__debtor"),
        pk=plan_id,
    )
    fields = _letter_fields(plan, *plan_letter_text(plan))
    if pdf:
        return _pdf(letter_pdf(**fields), f"repayment-plan-{plan.pk}.pdf")
    return HttpResponse(letter_html(**fields))


@permission_required_or_404("agreements.add_settlementoffer")
@require_http_methods(["GET", "POST"])
def offer_new(request, case_id: int):
    case = _case(request.user, case_id)
    now = timezone.now()
    business_date = business_day_of(now)
    form = OfferForm(request.POST or None, business_date=business_date)
    if request.method == "POST" and form.is_valid():
        try:
            offer = offer_make(
                actor=request.user,
                case=case,
                business_date=business_date,
                now=now,
                **form.cleaned_data,
            )
        except AgreementRefused as refused:
            form.add_error(None, str(refused))
        else:
            if offer.status == SettlementOffer.Status.AWAITING:
                messages.warning(
                    request,
                    _("The discount is beyond your authority: the offer awaits approval."),
                )
            else:
                messages.success(request, _("Offer approved within your authority."))
            return redirect("agreements:offer", offer.pk)
    return render(request, "agreements/offer_form.html", {"case": case, "form": form})


@permission_required_or_404("agreements.view_settlementoffer")
def offer_detail(request, offer_id: int):
    offer = get_object_or_404(
        offers_visible_to(request.user).select_related(
            "case__account", "created_by", "decided_by", "letter"
        ),
        pk=offer_id,
    )
    return render(
        request,
        "agreements/offer_detail.html",
        {
            "offer": offer,
            "case": offer.case,
            "can_decide": request.user.has_perm("agreements.decide_settlementoffer")
            and offer.status == SettlementOffer.Status.AWAITING,
            "within_authority": offer_within_authority(
                request.user,
                currency=offer.currency,
                waived=offer.waived_amount,
                percent=offer.discount_percent,
            ),
            "decision_form": DecisionForm(),
        },
    )


@permission_required_or_404("agreements.add_settlementoffer")
@require_POST
def offer_accepted(request, offer_id: int):
    """The debtor accepted an approved offer."""
    offer = get_object_or_404(offers_visible_to(request.user), pk=offer_id)
    now = timezone.now()
    try:
        offer_accept(actor=request.user, offer=offer, business_date=business_day_of(now), now=now)
    except AgreementRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("Acceptance recorded; the offer letter is ready."))
    return redirect("agreements:offer", offer.pk)


@permission_required_or_404("agreements.decide_settlementoffer")
@require_POST
def offer_decision(request, offer_id: int):
    """Approve or reject an offer awaiting approval; back to where the decision was made."""
    offer = get_object_or_404(offers_visible_to(request.user), pk=offer_id)
    form = DecisionForm(request.POST)
    approve = request.POST.get("decision") == "approve"
    back = "supervision:approvals" if request.POST.get("from") == "approvals" else None
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("note", [])))
    else:
        try:
            offer_decide(
                actor=request.user,
                offer=offer,
                approve=approve,
                note=form.cleaned_data["note"],
                now=timezone.now(),
            )
        except AgreementRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(
                request,
                (_("Offer #%(id)s approved.") if approve else _("Offer #%(id)s rejected."))
                % {"id": offer.pk},
            )
    return redirect(back) if back else redirect("agreements:offer", offer.pk)


@permission_required_or_404("agreements.view_settlementoffer")
def offer_letter(request, offer_id: int, pdf: bool = False):
    """An approved offer's letter in the debtor's language: HTML, or PDF for print."""
    offer = get_object_or_404(
        offers_visible_to(request.user)
        .exclude(status__in=[SettlementOffer.Status.AWAITING, SettlementOffer.Status.REJECTED])
        .select_related("case__account", "case__debtor"),
        pk=offer_id,
    )
    fields = _letter_fields(offer, *offer_letter_text(offer))
    if pdf:
        return _pdf(letter_pdf(**fields), f"settlement-offer-{offer.pk}.pdf")
    return HttpResponse(letter_html(**fields))


# Write-offs ----------------------------------------------------------------------------------


@permission_required_or_404("agreements.view_writeoffbatch")
def writeoff_batches(request):
    """The write-off batches with cases in the user's scope, with their totals per currency."""
    batches = list(writeoff_batches_visible_to(request.user)[:WRITEOFF_BATCHES_SHOWN])
    totals = writeoff_totals(request.user, [batch.pk for batch in batches])
    return render(
        request,
        "agreements/writeoff_batches.html",
        {
            "tabs": dashboard_tabs(request.user, "agreements:writeoffs"),
            "batches": [(batch, totals[batch.pk]) for batch in batches],
        },
    )


def _visible_batch(user, batch_id: int) -> WriteOffBatch:
    return get_object_or_404(writeoff_batches_visible_to(user), pk=batch_id)


@permission_required_or_404("agreements.view_writeoffbatch")
@require_http_methods(["GET", "POST"])
def writeoff_batch(request, batch_id: int):
    """A batch's cases in the user's scope; taking one out of the batch, with a reason."""
    batch = _visible_batch(request.user, batch_id)
    proposals = writeoff_proposals_visible_to(request.user).filter(batch=batch)
    form = RemovalForm(request.POST or None)
    failed = None
    if request.method == "POST":
        if not request.user.has_perm("agreements.approve_writeoffbatch"):
            raise Http404
        proposal = get_object_or_404(proposals, pk=posted_id(request, "proposal"))
        if form.is_valid():
            try:
                writeoff_proposal_remove(
                    actor=request.user,
                    proposal=proposal,
                    reason=form.cleaned_data["reason"],
                    now=timezone.now(),
                )
            except AgreementRefused as refused:
                messages.error(request, str(refused))
            else:
                messages.success(
                    request,
                    _("Case #%(case)s taken out of the batch.") % {"case": proposal.case_id},
                )
            return redirect("agreements:writeoff_batch", batch.pk)
        failed = proposal.pk
    return render(
        request,
        "agreements/writeoff_batch.html",
        {
            "tabs": dashboard_tabs(request.user, "agreements:writeoffs"),
            "batch": batch,
            "totals": writeoff_totals(request.user, [batch.pk])[batch.pk],
            "page": Paginator(
                proposals.select_related("case__account", "case__debtor", "decided_by"),
                WRITEOFF_CASES_PER_PAGE,
            ).get_page(request.GET.get("page")),
            "form": form,
            "failed": failed,  # the proposal whose removal the form refused: its row says why
            "can_approve": request.user.has_perm("agreements.approve_writeoffbatch"),
        },
    )


@permission_required_or_404("agreements.approve_writeoffbatch")
@require_POST
def writeoff_batch_approval(request, batch_id: int):
    """Write off the batch's cases still proposed in the user's scope."""
    batch = _visible_batch(request.user, batch_id)
    try:
        counts = writeoff_batch_approve(actor=request.user, batch=batch, now=timezone.now())
    except AgreementRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            ngettext(
                "%(count)s case written off.", "%(count)s cases written off.", counts["written"]
            )
            % {"count": counts["written"]},
        )
    return redirect("agreements:writeoff_batch", batch.pk)
