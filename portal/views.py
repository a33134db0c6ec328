"""The debtor portal's pages. Nothing here reads `request.user`: a staff session opens none of
them, and the portal's own session (portal.access) opens nothing else."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from agreements.models import RepaymentPlan
from agreements.services import plan_letter_text
from common.access import posted_id
from common.days import business_day_of
from compliance.rules import window_for
from pipeline.letters import debtor_interface_language
from portal.access import (
    SESSION_COOKIE,
    PortalSession,
    portal_session,
    portal_session_end,
    portal_session_store,
    verified_session,
    with_language,
)
from portal.forms import (
    CodeForm,
    ComplaintRaiseForm,
    DisputeRaiseForm,
    IdentityForm,
    PaymentForm,
    PlanForm,
    PortalCallbackForm,
    PreferencesForm,
    PromiseForm,
    StartForm,
)
from portal.models import OnlinePayment
from portal.providers import SIGNATURE_HEADER, LocalFakeProvider, payment_provider
from portal.selectors import plan_answer_by, portal_case, portal_grievances, portal_summary
from portal.services import (
    IdentityLocked,
    NoticeRefused,
    PortalRefused,
    online_payment_notice,
    online_payment_start,
    portal_arrive,
    portal_callback_request,
    portal_code_check,
    portal_code_send,
    portal_complaint,
    portal_contact_preferences,
    portal_dispute,
    portal_identify,
    portal_offer_accept,
    portal_plan_request,
    portal_promise,
    portal_visit_verified,
)
from workspace.forms import preferred_hours_initial
from workspace.selectors import queue_policy
from workspace.services import promise_latest_date

View = Callable[..., HttpResponse]


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def portal_page(view: View) -> View:
    """A page of the verified portal: the debtor's case, in their language, the session
    renewed; anyone else goes to the start page."""

    @wraps(view)
    @never_cache
    def page(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        session = portal_session(request)
        case = portal_case(session.case) if session.verified else None
        if case is None:
            return portal_session_end(redirect("portal:start"))
        language = session.language or debtor_interface_language(case.debtor)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = view(request, case, *args, now=timezone.now(), **kwargs)
        if SESSION_COOKIE in response.cookies:
            return response  # the view changed the session itself
        return portal_session_store(response, with_language(session, language))

    return page


# --- Arrival and identity -------------------------------------------------------------------


def _locked_text() -> str:
    return gettext(
        "Too many attempts. For your security the portal is locked for these details: "
        "try again in %(minutes)s minutes."
    ) % {"minutes": settings.PORTAL_LOCKOUT_MINUTES}


def _identity_refusal(request: HttpRequest, form, *, locked: bool) -> None:
    """The same words whether the account exists or not: nothing is confirmed or denied."""
    if locked:
        form.add_error(None, _locked_text())
    else:
        form.add_error(
            None, gettext("We could not confirm these details. Check them and try again.")
        )


def _signed_in(case, *, visit_id: int | None = None) -> HttpResponse:
    visit = portal_visit_verified(case=case, visit_id=visit_id, now=timezone.now())
    session = verified_session(
        case_id=case.pk, language=debtor_interface_language(case.debtor), visit_id=visit.pk
    )
    return portal_session_store(redirect("portal:home"), session)


@never_cache
def start(request: HttpRequest) -> HttpResponse:
    """The public start page: the account reference and the identity questions together."""
    form = StartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = portal_identify(
                reference=form.cleaned_data["reference"],
                birth_date=form.cleaned_data["birth_date"],
                national_id_last4=form.cleaned_data["national_id_last4"],
                client_ip=client_ip(request),
                now=timezone.now(),
            )
        except IdentityLocked:
            _identity_refusal(request, form, locked=True)
        else:
            if case is not None:
                return _signed_in(case)
            _identity_refusal(request, form, locked=False)
    status = 200 if not form.errors else 400
    return render(request, "portal/start.html", {"form": form}, status=status)


@never_cache
def link(request: HttpRequest, token: str) -> HttpResponse:
    """Where a message's link lands: a genuine, unexpired one leads to the identity questions
    for its case; any other to the start page, saying only that the link does not work."""
    visit = portal_arrive(token=token, now=timezone.now())
    if visit is None:
        messages.warning(
            request,
            gettext("This link does not work (it may have expired). Enter your account reference."),
        )
        return portal_session_end(redirect("portal:start"))
    return portal_session_store(
        redirect("portal:verify"), PortalSession(pending=visit.case_id, visit=visit.pk)
    )


def _render_verify(request: HttpRequest, *, form=None, code_form=None) -> HttpResponse:
    form = form or IdentityForm()
    code_form = code_form or CodeForm()
    status = 400 if form.errors or code_form.errors else 200
    return render(
        request, "portal/verify.html", {"form": form, "code_form": code_form}, status=status
    )


@never_cache
def verify(request: HttpRequest) -> HttpResponse:
    session = portal_session(request)
    if session.pending is None:
        return redirect("portal:start")
    form = IdentityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = portal_identify(
                case_id=session.pending,
                birth_date=form.cleaned_data["birth_date"],
                national_id_last4=form.cleaned_data["national_id_last4"],
                client_ip=client_ip(request),
                now=timezone.now(),
            )
        except IdentityLocked:
            _identity_refusal(request, form, locked=True)
        else:
            if case is not None:
                return _signed_in(case, visit_id=session.visit)
            _identity_refusal(request, form, locked=False)
    return _render_verify(request, form=form)


@require_POST
@never_cache
def code_send(request: HttpRequest) -> HttpResponse:
    """Send a one-time code to the debtor's consented mobile; the page says the same whether
    or not one is on file."""
    session = portal_session(request)
    if session.pending is None or session.visit is None:
        return redirect("portal:start")
    try:
        portal_code_send(visit_id=session.visit, client_ip=client_ip(request), now=timezone.now())
    except IdentityLocked:
        messages.error(request, _locked_text())
        return redirect("portal:verify")
    messages.info(
        request,
        gettext(
            "If a mobile number we may text is on file, a code is on its way to it. It works "
            "for %(minutes)s minutes."
        )
        % {"minutes": settings.PORTAL_CODE_MINUTES},
    )
    return redirect("portal:verify")


@require_POST
@never_cache
def code_check(request: HttpRequest) -> HttpResponse:
    session = portal_session(request)
    if session.pending is None or session.visit is None:
        return redirect("portal:start")
    code_form = CodeForm(request.POST)
    if code_form.is_valid():
        try:
            case = portal_code_check(
                visit_id=session.visit,
                code=code_form.cleaned_data["code"],
                client_ip=client_ip(request),
                now=timezone.now(),
            )
        except IdentityLocked:
            _identity_refusal(request, code_form, locked=True)
        else:
            if case is not None and case.pk == session.pending:
                return _signed_in(case, visit_id=session.visit)
            _identity_refusal(request, code_form, locked=False)
    return _render_verify(request, code_form=code_form)


def _keep_language(response: HttpResponse, language: str) -> HttpResponse:
    """The public pages are read in `language` from now on (the site's language cookie)."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    """Leave the portal, and stay in the language the debtor was reading it in."""
    language = portal_session(request).language
    if language:
        translation.activate(language)
    messages.info(request, gettext("You have left the portal."))
    response = portal_session_end(redirect("portal:start"))
    return _keep_language(response, language) if language else response


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """Read the portal in another language; a verified session keeps the choice too."""
    language = request.POST.get("language", "")
    destination = request.POST.get("next", "")
    if not (
        destination.startswith("/portal/")
        and url_has_allowed_host_and_scheme(destination, allowed_hosts={request.get_host()})
    ):
        destination = reverse("portal:start")
    response = HttpResponseRedirect(destination)
    if language not in dict(settings.LANGUAGES):
        return response
    _keep_language(response, language)
    session = portal_session(request)
    if session.verified:
        portal_session_store(response, with_language(session, language))
    return response


# --- The debtor's page ----------------------------------------------------------------------


def _render_home(request: HttpRequest, case, *, now: dt.datetime, status: int = 200, **forms):
    business_date = business_day_of(now)
    debtor_zone = ZoneInfo(case.debtor.time_zone)
    context = {
        "signed_in": True,
        "summary": portal_summary(case, business_date=business_date),
        "promise_form": PromiseForm(
            business_date=business_date, latest=promise_latest_date(business_date)
        ),
        "plan_form": PlanForm(initial={"first_due_date": business_date}),
        "payment_form": PaymentForm(initial={"amount": case.account.minimum_due or None}),
        "callback_form": PortalCallbackForm(
            debtor_zone=debtor_zone, call_window=_callback_window(case), now=now
        ),
        "grievances": portal_grievances(case, open_only=True),
        "preferences_form": PreferencesForm(
            initial={
                "language": debtor_interface_language(case.debtor),
                **preferred_hours_initial(case.debtor),
            },
            call_window=queue_policy().call_window,
        ),
    }
    context.update(forms)
    return render(request, "portal/home.html", context, status=status)


def _callback_window(case):
    """The queue's call window narrowed to the debtor's own preferred hours: the call-back
    they ask for falls where their standing wish and the policy both allow it."""
    return window_for("call", queue_policy().call_window, case.debtor)


@portal_page
def home(request: HttpRequest, case, *, now: dt.datetime) -> HttpResponse:
    return _render_home(request, case, now=now)


def _done(request: HttpRequest, text: str) -> HttpResponse:
    messages.success(request, text)
    return redirect("portal:home")


@require_POST
@portal_page
def promise(request: HttpRequest, case, *, now: dt.datetime) -> HttpResponse:
    business_date = business_day_of(now)
    form = PromiseForm(
        request.POST, business_date=business_date, latest=promise_latest_date(business_date)
    )
    if form.is_valid():
        try:
            portal_promise(case=case, business_date=business_date, now=now, **form.cleaned_data)
        except PortalRefused as refused:
            form.add_error(None, str(refused))
        else:
            return _done(request, gettext("Thank you: your promise to pay is recorded."))
    return _render_home(request, case, now=now, status=400, promise_form=form)


@require_POST
@portal_page
def plan(request: HttpRequest, case, *, now: dt.datetime) -> HttpResponse:
    form = PlanForm(request.POST)
    if form.is_valid():
        try:
            agreed = portal_plan_request(
                case=case, business_date=business_day_of(now), now=now, **form.cleaned_data
            )
        except PortalRefused as refused:
            form.add_error(None, str(refused))
        else:
            if agreed.status == RepaymentPlan.Status.REQUESTED:
                return _done(
                    request,
                    gettext(
                        "Your request is with our team, as it is longer than we can agree at "
                        "once: expect our answer within %(days)s working days, by %(date)s."
                    )
                    % {
                        "days": settings.PORTAL_PLAN_ANSWER_DAYS,
                        "date": date_format(plan_answer_by(agreed)),
                    },
                )
            return redirect("portal:plan_letter", agreed.pk)
    return _render_home(request, case, now=now, status=400, plan_form=form)


@portal_page
def plan_letter(request: HttpRequest, case, plan_id: int, *, now: dt.datetime) -> HttpResponse:
    """The confirmation of a plan the debtor agreed, as its letter says it."""
    agreed = (
        case.repayment_plans.exclude(status__in=RepaymentPlan.UNAGREED_STATUSES)
        .filter(pk=plan_id)
        .first()
    )
    if agreed is None:
        raise Http404
    subject, body = plan_letter_text(agreed)
    return render(
        request,
        "portal/plan_letter.html",
        {"plan": agreed, "subject": subject, "body": body, "signed_in": True},
    )


@require_POST
@portal_page
def offer_accept(request: HttpRequest, case, *, now: dt.datetime) -> HttpResponse:
    try:
        portal_offer_accept(
            case=case,
            offer_id=posted_id(request, "offer"),
            business_date=business_day_of(now),
            now=now,
        )
    except PortalRefused as refused:
        messages.error(request, str(refused))
        return redirect("portal:home")
    return _done(request, gettext("Thank you: you accepted the offer. Pay by its date to settle."))


@require_POST
@portal_page
def preferences(request: HttpRequest, case, *, now: dt.datetime) -> HttpResponse:
    form = PreferencesForm(request.POST, call_window=queue_policy().call_window)
    if not form.is_valid():
        return _render_home(request, case, now=now, status=400, preferences_form=form)
    portal_contact_preferences(case=case, now=now, **form.cleaned_data)
    response = _done(request, gettext("Your contact preferences are saved."))
    return portal_session_store(
        response,
        with_language(portal_session(request), form.cleaned_data["language"]),
    )


@require_POST
@portal_page
def callback(request: HttpRequest, case, *, now: dt.datetime) -> HttpResponse:
    form = PortalCallbackForm(
        request.POST,
        debtor_zone=ZoneInfo(case.debtor.time_zone),
        call_window=_callback_window(case),
        now=now,
    )
    if not form.is_valid():
        return _render_home(request, case, now=now, status=400, callback_form=form)
    portal_callback_request(case=case, when=form.cleaned_data["when"], now=now)
    return _done(request, gettext("We will call you at the time you chose."))


# --- Disputes and complaints ----------------------------------------------------------------


def _render_grievances(request: HttpRequest, case, *, status: int = 200, **forms):
    context = {
        "signed_in": True,
        "grievances": portal_grievances(case),
        "dispute_form": DisputeRaiseForm(),
        "complaint_form": ComplaintRaiseForm(case=case),
        **forms,
    }
    return render(request, "portal/disputes.html", context, status=status)


@portal_page
def grievances(request: HttpRequest, case, *, now: dt.datetime) -> HttpResponse:
    """Raising a dispute or a complaint, and those raised already with their deadlines."""
    return _render_grievances(request, case)


@require_POST
@portal_page
def dispute(request: HttpRequest, case, *, now: dt.datetime) -> HttpResponse:
    form = DisputeRaiseForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            raised = portal_dispute(
                case=case,
                kind=form.cleaned_data["kind"],
                description=form.cleaned_data["description"],
                files=form.files_given(),
                now=now,
            )
        except PortalRefused as refused:
            form.add_error(None, str(refused))
        else:
            return _done(request, _grievance_received(raised))
    return _render_grievances(request, case, status=400, dispute_form=form)


@require_POST
@portal_page
def complaint(request: HttpRequest, case, *, now: dt.datetime) -> HttpResponse:
    form = ComplaintRaiseForm(request.POST, request.FILES, case=case)
    if form.is_valid():
        try:
            raised = portal_complaint(
                case=case,
                subject=form.cleaned_data["subject"],
                description=form.cleaned_data["description"],
                files=form.files_given(),
                now=now,
                **form.concerns(),
            )
        except PortalRefused as refused:
            form.add_error(None, str(refused))
        else:
            return _done(request, _grievance_received(raised))
    return _render_grievances(request, case, status=400, complaint_form=form)


def _grievance_received(raised) -> str:
    if raised.due_on is None:
        return gettext("Thank you: we received it and will answer you.")
    return gettext("Thank you: we received it and will answer you by %(date)s.") % {
        "date": date_format(raised.due_on)
    }


# --- Payments -------------------------------------------------------------------------------


@require_POST
@portal_page
def pay(request: HttpRequest, case, *, now: dt.datetime) -> HttpResponse:
    form = PaymentForm(request.POST)
    if form.is_valid():
        try:
            started = online_payment_start(
                case=case,
                amount=form.cleaned_data["amount"],
                return_url=request.build_absolute_uri(reverse("portal:home")),
                now=now,
            )
        except PortalRefused as refused:
            form.add_error("amount", str(refused))
        else:
            return HttpResponseRedirect(started.checkout_url)
    return _render_home(request, case, now=now, status=400, payment_form=form)


@csrf_exempt
@require_POST
def payment_webhook(request: HttpRequest) -> HttpResponse:
    """The provider's signed notice of a payment: 403 unless the signature is genuine, 400 for
    a genuine notice we cannot act on; a repeated one answers 200 and changes nothing."""
    try:
        online_payment_notice(
            body=request.body,
            signature=request.headers.get(SIGNATURE_HEADER, ""),
            now=timezone.now(),
        )
    except NoticeRefused as refused:
        status = 403 if refused.forged else 400
        return HttpResponse(str(refused), status=status, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


@never_cache
def fake_provider(request: HttpRequest, reference: str) -> HttpResponse:
    """The local fake provider's payment page (only while it is the provider in use): paying
    sends its signed notice, as a real provider's server would, and returns to the portal."""
    provider = payment_provider()
    if not isinstance(provider, LocalFakeProvider):
        raise Http404
    payment = OnlinePayment.objects.filter(reference=reference).first()
    if payment is None:
        raise Http404
    # As a real provider is told the language to show its page in; the notes it leaves for the
    # debtor's next portal page are the portal's words, in the portal's language.
    language = portal_session(request).language
    if language:
        translation.activate(language)
        request.LANGUAGE_CODE = language
    if request.method == "POST":
        outcome = "paid" if request.POST.get("outcome") == "paid" else "failed"
        body, signature = provider.notice(
            reference=payment.reference,
            status=outcome,
            amount=payment.amount,
            currency=payment.currency,
            sent_at=timezone.now(),
        )
        try:
            online_payment_notice(body=body, signature=signature, now=timezone.now())
        except NoticeRefused:
            messages.error(
                request, gettext("The payment could not be recorded; nothing was taken.")
            )
            return redirect("portal:home")
        if outcome == "paid":
            messages.success(
                request,
                gettext(
                    "Thank you: your payment is received. It shows on your account once the "
                    "bank has booked it."
                ),
            )
        else:
            messages.warning(request, gettext("The payment was cancelled; nothing was taken."))
        return redirect("portal:home")
    return render(request, "portal/fake_provider.html", {"payment": payment})
