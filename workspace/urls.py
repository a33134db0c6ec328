from django.urls import path

from accounts.middleware import does_not_renew_session
from workspace import views

app_name = "workspace"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("queue/", views.queue, name="queue"),
    path("incoming/", views.incoming_call, name="incoming"),
    path("queue/next/", views.claim_next, name="claim_next"),
    path("<int:case_id>/", views.case_detail, name="detail"),
    # The open case page renews its lease by itself: no sign that the collector is there.
    path(
        "<int:case_id>/claim/renew/",
        does_not_renew_session(views.renew_claim),
        name="renew_claim",
    ),
    path("<int:case_id>/call/", views.call_log_view, name="call_log"),
    path("<int:case_id>/call/inbound/", views.inbound_call_view, name="inbound_call"),
    path("<int:case_id>/promise/", views.promise_take, name="promise"),
    path("<int:case_id>/callback/", views.callback_schedule_view, name="callback"),
    path("<int:case_id>/note/", views.note_add_view, name="note"),
    path("<int:case_id>/contact-point/", views.contact_point_mark_view, name="contact_point_mark"),
    path("<int:case_id>/debtor-flag/", views.debtor_flag_view, name="debtor_flag"),
    path("<int:case_id>/preferred-hours/", views.preferred_hours_view, name="preferred_hours"),
    # Signed by the dialer, not by a session (workspace/dialer.py).
    path("dialer/events/", views.dialer_events, name="dialer_events"),
    path("<int:case_id>/payment/", views.payment_report_view, name="payment"),
]

# Every URL acting on one case: each loads it through cases_visible_to (404 outside scope).
CASE_ACTION_URL_NAMES = (
    "renew_claim",
    "call_log",
    "inbound_call",
    "promise",
    "callback",
    "note",
    "contact_point_mark",
    "debtor_flag",
    "preferred_hours",
    "payment",
)
