from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgenciesConfig(AppConfig):
    name = "agencies"
    verbose_name = _("Outsourced agencies")

    def ready(self):
        # App code that reads models is imported once the registry is ready, as Django asks.
        from agencies.selectors import held_by_an_agency, kept_off_the_ladder
        from cases.models import Case, Stage
        from pipeline.hand_offs import HandOff, hand_off_register

        # Cases placed with an agency leave the ladder until their recall says where they go.
        hand_off_register(
            HandOff(
                stage_action=Stage.Action.AGENCY,
                status=Case.Status.PLACED,
                held=held_by_an_agency,
                kept_off_ladder=kept_off_the_ladder,
            )
        )
