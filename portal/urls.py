from django.urls import path

from portal import views

app_name = "portal"

urlpatterns = [
    path("", views.start, name="start"),
    path("l/<str:token>/", views.link, name="link"),
    path("verify/", views.verify, name="verify"),
    path("verify/code/send/", views.code_send, name="code_send"),
    path("verify/code/", views.code_check, name="code_check"),
    path("language/", views.language_switch, name="language"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("account/", views.home, name="home"),
    path("account/promise/", views.promise, name="promise"),
    path("account/plan/", views.plan, name="plan"),
    path("account/plans/<int:plan_id>/", views.plan_letter, name="plan_letter"),
    path("account/offer/", views.offer_accept, name="offer_accept"),
    path("account/preferences/", views.preferences, name="preferences"),
    path("account/call-back/", views.callback, name="callback"),
    path("account/disputes/", views.grievances, name="grievances"),
    path("account/disputes/dispute/", views.dispute, name="dispute"),
    path("account/disputes/complaint/", views.complaint, name="complaint"),
    path("account/pay/", views.pay, name="pay"),
    path("payments/notice/", views.payment_webhook, name="payment_webhook"),
    path("payments/fake-provider/<str:reference>/", views.fake_provider, name="fake_provider"),
]
