from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import wraps
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from cases.models import Activity, Case, ContactPoint, PromiseToPay
from cases.selectors import (
    cases_matching,
    cases_visible_to,
    debtors_with_number,
    search_term_for_address,
)
from common.access import permission_required_or_404
from common.formatting import debtor_time, money, your_time
from common.forms import address_with
from compliance.engine import Decision
from compliance.policies import policy_parameters_for_case
from workspace.dialer import DialerRefused, dialer_authenticate, dialer_event_receive
from workspace.forms import (
    CallbackForm,
    CallLogForm,
    ContactPointMarkForm,
    DebtorFlagForm,
    InboundCallForm,
    IncomingCallForm,
    NoteForm,
    PaymentReportForm,
    PreferredHoursForm,
    PromiseForm,
    debtor_contact_points,
    preferred_hours_initial,
)
from workspace.selectors import cases_waiting_for, contactable_from, queue_for, queue_policy
from workspace.services import (
    DEBTOR_FLAGS,
    CaseHeldByAnother,
    call_log,
    call_log_inbound,
    callback_schedule,
    case_claim_next,
    case_renew_claim,
    contact_point_mark,
    debtor_flag_record,
    debtor_preferred_hours_record,
    note_add,
    payment_report,
    promise_record,
)


def _get_case_for_user(user, case_id: int) -> Case:
    """The case if `user` may see it; a 404 otherwise, never a 403 that confirms it exists."""
    return get_object_or_404(_with_page_relations(cases_visible_to(user)), pk=case_id)


def _with_page_relations(cases):
    """What the case page shows of a case, read with it."""
    return cases.select_related(
        "account", "debtor", "stage", "strategy", "assigned_to", "team"
    ).prefetch_related("debtor__contact_points")


@permission_required_or_404("cases.view_case")
def case_list(request):
    cases = cases_visible_to(request.user).select_related(
        "account", "debtor", "stage", "assigned_to"
    )
    status = request.GET.get("status", "active")
    if status == "active":
        cases = cases.exclude(status__in=Case.CLOSED_STATUSES)
    elif status in Case.Status.values:
        cases = cases.filter(status=status)
    query = request.GET.get("q", "").strip()
    if (safer := search_term_for_address(query)) is not None:
        return redirect(address_with(request, "q", safer))
    if query:
        cases = cases_matching(cases, query)
    page = Paginator(cases.order_by("-priority_score", "id"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "workspace/case_list.html",
        {
            "page": page,
            "status": status,
            "query": query,
            "statuses": Case.Status.choices,
            "business_date": timezone.localdate(),
        },
    )


@permission_required_or_404("cases.work_case")
def incoming_call(request):
    """Who is calling: the debtors with the caller's number on file, and their cases in the
    collector's scope, each a link to its page opening the inbound call. The number is posted,
    so that it stays out of addresses, histories and access logs."""
    matches, number = None, ""
    if request.method == "POST":
        form = IncomingCallForm(request.POST)
        if form.is_valid():
            number = form.cleaned_data["number"]
            matches = debtors_with_number(user=request.user, e164=number)
    else:
        form = IncomingCallForm()
    return render(
        request,
        "workspace/incoming.html",
        {
            "form": form,
            "matches": matches,
            "number": number,
            "business_date": timezone.localdate(),
        },
    )


@permission_required_or_404("cases.view_case")
def case_detail(request, case_id: int):
    case = _get_case_for_user(request.user, case_id)
    # The incoming-call screen opens the case with ?call=inbound: the inbound form, open.
    inbound_open = request.GET.get("call") == "inbound"
    return _render_page(request, case, now=timezone.now(), inbound_open=inbound_open)


# --- Collector workspace ----------------------------------------------------------------------


@dataclass(frozen=True)
class Feedback:
    """What the last action did, shown above the actions."""

    level: str  # a Bootstrap alert colour: success, danger, warning
    message: str
    decision: Decision | None = None  # a blocked decision: its rules and next allowed time
    outcome_logged: bool = False
    report_payment: bool = False  # the debtor says they paid: the payment form comes next


def _logged(message: str, activity: Activity, *, outcome_logged: bool) -> Feedback:
    """An outcome logged; "Paid" sends the collector on to report the payment."""
    if activity.outcome != Activity.Outcome.PAID:
        return Feedback("success", message, outcome_logged=outcome_logged)
    then = gettext("Now report the payment below: it counts once the bank confirms it.")
    return Feedback("success", f"{message} {then}", report_payment=True)


def _blocked(decision: Decision) -> Feedback:
    return Feedback(
        level="danger",
        message=gettext(
            "Blocked by the compliance gate: no contact was recorded. The block is logged."
        ),
        decision=decision,
    )


def _workspace_context(
    request, case: Case, *, now: dt.datetime, inbound_open: bool = False, **forms
) -> dict:
    user = request.user
    business_date = timezone.localdate(now)
    debtor_zone = ZoneInfo(case.debtor.time_zone)
    policy = queue_policy()
    defaults = {
        "call_form": CallLogForm(case=case),
        "promise_form": PromiseForm(case=case, business_date=business_date),
        "callback_form": CallbackForm(
            debtor_zone=debtor_zone,
            call_window=policy.call_window,
            now=now,
        ),
        "inbound_form": _inbound_form(case, now=now),
        "note_form": NoteForm(),
        "contact_point_form": ContactPointMarkForm(case=case),
        "debtor_flag_form": DebtorFlagForm(),
        "preferred_hours_form": PreferredHoursForm(
            initial=preferred_hours_initial(case.debtor), call_window=policy.call_window
        ),
        "payment_form": PaymentReportForm(case=case, business_date=business_date),
    }
    defaults.update(forms)
    if inbound_open:
        # Opened for a call coming in: the collector starts typing its outcome at once.
        defaults["inbound_form"].fields["outcome"].widget.attrs["autofocus"] = True
    parameters = policy_parameters_for_case(case=case)
    return {
        **defaults,
        "inbound_open": inbound_open,
        "phone_kinds": ContactPoint.PHONE_KINDS,
        "disclosure": parameters.right_party_disclosure,
        "recording_required": parameters.call_recording_required,
        "case": case,
        "now": now,
        "business_date": business_date,
        "call_window": policy.call_window,
        "can_work": user.has_perm("cases.work_case"),
        "holds_claim": case.claimed_by_id == user.pk and case.claim_expires_at > now,
        "lease_renew_seconds": settings.WORKSPACE_RENEW_SECONDS,
        "outcome_buttons": OUTCOME_BUTTONS,
        "contact_points": debtor_contact_points(case),
        "activities": case.activities.select_related("actor", "contact_point", "agency")[:100],
        "promises": case.promises.prefetch_related("instalments"),
        "payments": case.account.payments.select_related("agency")[:50],
        "reported_payments": _reported_payments(case),
        "placements": case.placements.select_related("agency"),
        "stage_entries": case.stage_entries.select_related("stage"),
        "stages": case.strategy.stages.all(),
    }


# Keys 1-9 log these outcomes from the call form (static/js/workspace.js).
OUTCOME_BUTTONS = [
    (str(key), outcome.value, outcome.label)
    for key, outcome in enumerate(
        (
            Activity.Outcome.NO_ANSWER,
            Activity.Outcome.VOICEMAIL,
            Activity.Outcome.RIGHT_PARTY_CONTACT,
            Activity.Outcome.THIRD_PARTY,
            Activity.Outcome.WRONG_NUMBER,
            Activity.Outcome.REFUSED_TO_PAY,
            Activity.Outcome.DISPUTE,
            Activity.Outcome.PAID,
            Activity.Outcome.CALLBACK_REQUESTED,
        ),
        start=1,
    )
]


def _inbound_form(case: Case, *, now: dt.datetime, data=None) -> InboundCallForm:
    return InboundCallForm(
        data,
        case=case,
        debtor_zone=ZoneInfo(case.debtor.time_zone),
        call_window=queue_policy().call_window,
        now=now,
    )


def _render_workspace(request, case: Case, *, now: dt.datetime, **extra):
    """The case page after an action: the case as the action left it."""
    case = _with_page_relations(Case.objects).get(pk=case.pk)
    return _render_page(request, case, now=now, **extra)


def _render_page(request, case: Case, *, now: dt.datetime, **extra):
    """The case page, or only its workspace fragment when htmx asked."""
    context = _workspace_context(request, case, now=now, **extra)
    template = "workspace/_workspace.html" if request.htmx else "workspace/case_detail.html"
    return render(request, template, context)


def workspace_action(view):
    """A POST on one case the user may work: 404 outside their scope, like every case URL."""

    @wraps(view)
    @permission_required_or_404("cases.work_case")
    @require_POST
    def wrapped(request, case_id: int):
        case = _get_case_for_user(request.user, case_id)
        try:
            return view(request, case, timezone.now())
        except CaseHeldByAnother as held:
            return _render_workspace(
                request, case, now=timezone.now(), feedback=Feedback("warning", str(held))
            )

    return wrapped


@permission_required_or_404("cases.work_case")
def queue(request):
    now = timezone.now()
    window = queue_policy().call_window
    related = ("account", "debtor", "stage")
    waiting = list(cases_waiting_for(request.user, now=now).select_related(*related)[:25])
    for case in waiting:
        case.contactable_from = contactable_from(case, window=window, now=now)
    return render(
        request,
        "workspace/queue.html",
        {
            "served": queue_for(request.user, now=now, limit=50),
            "waiting": waiting,
            "now": now,
            "business_date": timezone.localdate(now),
            "held": cases_visible_to(request.user)
            .filter(claimed_by=request.user, claim_expires_at__gt=now)
            .first(),
        },
    )


@permission_required_or_404("cases.work_case")
@require_POST
def claim_next(request):
    case = case_claim_next(user=request.user, now=timezone.now())
    if case is None:
        messages.info(
            request, gettext("No case can be called right now; see when the next ones open.")
        )
        return redirect("workspace:queue")
    return redirect("workspace:detail", case.pk)


@workspace_action
def renew_claim(request, case: Case, now: dt.datetime):
    renewed = case_renew_claim(case=case, user=request.user, now=now)
    case.refresh_from_db(fields=["claimed_by", "claim_expires_at"])
    return render(
        request,
        "workspace/_lease.html",
        {
            "case": case,
            "renewed": renewed,
            "holds_claim": renewed,
            "now": now,
            "lease_renew_seconds": settings.WORKSPACE_RENEW_SECONDS,
        },
    )


@workspace_action
def call_log_view(request, case: Case, now: dt.datetime):
    form = CallLogForm(request.POST, case=case)
    if not form.is_valid():
        return _render_workspace(request, case, now=now, call_form=form)
    result = call_log(
        case=case,
        user=request.user,
        contact_point=form.cleaned_data["contact_point"],
        outcome=form.cleaned_data["outcome"],
        notes=form.cleaned_data["notes"],
        disclosure_given=form.cleaned_data["disclosure_given"],
        now=now,
    )
    if result.activity is None:  # blocked (a call a dialer made is recorded whatever)
        feedback = _blocked(result.decision)
        return _render_workspace(request, case, now=now, feedback=feedback)
    logged = gettext("Logged: %(outcome)s.") % {"outcome": result.activity.get_outcome_display()}
    feedback = _logged(logged, result.activity, outcome_logged=True)
    return _render_workspace(request, case, now=now, feedback=feedback)


@workspace_action
def inbound_call_view(request, case: Case, now: dt.datetime):
    form = _inbound_form(case, now=now, data=request.POST)
    if not form.is_valid():
        return _render_workspace(request, case, now=now, inbound_form=form, inbound_open=True)
    data = form.cleaned_data
    activity = call_log_inbound(
        case=case,
        user=request.user,
        outcome=data["outcome"],
        contact_point=data["contact_point"],
        notes=data["notes"],
        callback_at=data["callback_at"],
        disclosure_given=data["disclosure_given"],
        now=now,
    )
    logged = gettext("Inbound call logged: %(outcome)s.") % {
        "outcome": activity.get_outcome_display()
    }
    feedback = _logged(logged, activity, outcome_logged=False)
    return _render_workspace(request, case, now=now, feedback=feedback)


@workspace_action
def promise_take(request, case: Case, now: dt.datetime):
    business_date = timezone.localdate(now)
    form = PromiseForm(request.POST, case=case, business_date=business_date)
    if not form.is_valid():
        return _render_workspace(request, case, now=now, promise_form=form)
    if case.promises.filter(status=PromiseToPay.Status.PENDING).exists():
        form.add_error(None, gettext("This case already has a pending promise."))
        return _render_workspace(request, case, now=now, promise_form=form)
    data = form.cleaned_data
    result = promise_record(
        case=case,
        user=request.user,
        contact_point=data["contact_point"],
        amount=data["amount"],
        due_date=data["due_date"],
        instalments=data["instalments"],
        notes=data["notes"],
        business_date=business_date,
        now=now,
        disclosure_given=data["disclosure_given"],
    )
    if result.promise is None:
        return _render_workspace(
            request,
            case,
            now=now,
            promise_form=form,
            feedback=_blocked(result.call.decision),
        )
    taken = gettext("Promise taken: %(promise)s.") % {"promise": result.promise}
    feedback = Feedback("success", taken, outcome_logged=True)
    return _render_workspace(request, case, now=now, feedback=feedback)


@workspace_action
def callback_schedule_view(request, case: Case, now: dt.datetime):
    form = CallbackForm(
        request.POST,
        debtor_zone=ZoneInfo(case.debtor.time_zone),
        call_window=queue_policy().call_window,
        now=now,
    )
    if not form.is_valid():
        return _render_workspace(request, case, now=now, callback_form=form)
    callback_schedule(
        case=case,
        user=request.user,
        when=form.cleaned_data["when"],
        notes=form.cleaned_data["notes"],
        now=now,
    )
    when = form.cleaned_data["when"]
    message = gettext("Call-back scheduled: %(debtor_time)s; %(your_time)s.") % {
        "debtor_time": debtor_time(when, case.debtor),
        "your_time": your_time(when, request.user),
    }
    return _render_workspace(
        request, case, now=now, feedback=Feedback("success", message, outcome_logged=True)
    )


@workspace_action
def note_add_view(request, case: Case, now: dt.datetime):
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _render_workspace(request, case, now=now, note_form=form)
    note_add(case=case, user=request.user, text=form.cleaned_data["text"], now=now)
    return _render_workspace(
        request, case, now=now, feedback=Feedback("success", gettext("Note added."))
    )


@workspace_action
def contact_point_mark_view(request, case: Case, now: dt.datetime):
    form = ContactPointMarkForm(request.POST, case=case)
    if not form.is_valid():
        return _render_workspace(request, case, now=now, contact_point_form=form)
    data = form.cleaned_data
    contact_point_mark(
        case=case,
        user=request.user,
        contact_point=data["contact_point"],
        mark=data["mark"],
        reason=data["reason"],
        now=now,
    )
    return _render_workspace(
        request, case, now=now, feedback=Feedback("success", gettext("Contact point updated."))
    )


@workspace_action
def debtor_flag_view(request, case: Case, now: dt.datetime):
    form = DebtorFlagForm(request.POST)
    if not form.is_valid():
        return _render_workspace(request, case, now=now, debtor_flag_form=form)
    data = form.cleaned_data
    recorded = debtor_flag_record(
        case=case, user=request.user, flag=data["flag"], reason=data["reason"], now=now
    )
    message = gettext("%(flag)s. Calls on this case now need the gate's approval.") % {
        "flag": gettext(DEBTOR_FLAGS[data["flag"]])
    }
    if recorded.moved_to is not None:
        message = gettext(
            "%(flag)s. The debtor's cases moved to the specialist team %(team)s, whose "
            "members' queue serves them."
        ) % {"flag": gettext(DEBTOR_FLAGS[data["flag"]]), "team": recorded.moved_to}
    return _render_workspace(request, case, now=now, feedback=Feedback("success", message))


@workspace_action
def preferred_hours_view(request, case: Case, now: dt.datetime):
    form = PreferredHoursForm(request.POST, call_window=queue_policy().call_window)
    if not form.is_valid():
        return _render_workspace(request, case, now=now, preferred_hours_form=form)
    recorded = debtor_preferred_hours_record(
        case=case,
        user=request.user,
        start=form.cleaned_data["preferred_start"],
        end=form.cleaned_data["preferred_end"],
        now=now,
    )
    message = (
        gettext("Preferred hours saved: calls and SMS outside them are refused by the gate.")
        if recorded
        else gettext("Nothing changed.")
    )
    return _render_workspace(request, case, now=now, feedback=Feedback("success", message))


@csrf_exempt
@require_POST
def dialer_events(request):
    """A dialer's signed event (workspace/dialer.py); no session, no CSRF token: the
    signature authenticates it. Answers JSON: the event applied, or why it was refused."""
    now = timezone.now()
    try:
        dialer = dialer_authenticate(
            dialer_name=request.headers.get("X-Dialer-Id", ""),
            timestamp=request.headers.get("X-Dialer-Timestamp", ""),
            signature=request.headers.get("X-Dialer-Signature", ""),
            body=request.body,
            now=now,
        )
        event = dialer_event_receive(dialer=dialer, body=request.body, now=now)
    except DialerRefused as refused:
        return JsonResponse({"error": refused.message}, status=refused.status)
    return JsonResponse({"event_id": event.event_id, "activity": event.activity_id})


def _reported_payments(case: Case):
    return case.reported_payments.select_related("reported_by", "agency", "confirmed_by")[:50]


@workspace_action
def payment_report_view(request, case: Case, now: dt.datetime):
    """Record a reported payment; answers with the payments panel (the page without htmx)."""
    business_date = timezone.localdate(now)
    form = PaymentReportForm(request.POST, case=case, business_date=business_date)
    feedback = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            report = payment_report(
                case=case,
                user=request.user,
                amount=data["amount"],
                currency=data["currency"],
                method=data["method"],
                payer_reference=data["payer_reference"],
                paid_on=data["paid_on"],
                notes=data["notes"],
                now=now,
            )
        except ValidationError as refused:
            form.add_error(None, refused)
        except CaseHeldByAnother as held:
            feedback = Feedback("warning", str(held))
        else:
            if report.status == report.Status.CONFIRMED:
                message = gettext(
                    "Payment reported: %(amount)s. The bank's payment is already in: confirmed."
                )
            else:
                message = gettext(
                    "Payment reported: %(amount)s. It counts as collected once the bank's "
                    "payments feed confirms it; escalation waits meanwhile."
                )
            amount = money(report.amount, report.currency)
            feedback = Feedback("success", message % {"amount": amount})
            form = PaymentReportForm(case=case, business_date=business_date)
    extra = {"payment_form": form, "payment_feedback": feedback}
    if not request.htmx:
        return _render_workspace(request, case, now=now, **extra)
    case = _with_page_relations(Case.objects).get(pk=case.pk)
    return render(
        request,
        "workspace/_payment_form.html",
        {
            **extra,
            "case": case,
            "now": now,
            "can_work": True,
            "reported_payments": _reported_payments(case),
        },
    )
