from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LitigationConfig(AppConfig):
    name = "litigation"
    verbose_name = _("Litigation")

    def ready(self):
        # App code that reads models is imported once the registry is ready, as Django asks.
        from cases.models import Case, Stage
        from litigation.selectors import lawsuit_held, referral_criteria_met
        from pipeline.hand_offs import HandOff, hand_off_register

        # Cases referred to the legal team stay with it while a lawsuit is under way; the
        # pipeline refers only the cases that meet the stage's referral criteria.
        hand_off_register(
            HandOff(
                stage_action=Stage.Action.LITIGATION,
                status=Case.Status.LITIGATION,
                held=lawsuit_held,
                kept_off_ladder=lawsuit_held,
                entry_criteria=referral_criteria_met,
            )
        )
