"""django-axes (which locks out repeated failed log-ins) as staff read it in the admin.

It ships no Chinese: its app gets a name of ours, and the names of its models that the admin
shows are marked here so that this app's catalog translates them.
"""

from axes.apps import AppConfig as AxesConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class LogInLockOutsConfig(AxesConfig):
    verbose_name = _("Log-in lock-outs")


AXES_MODEL_NAMES = (
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
)
