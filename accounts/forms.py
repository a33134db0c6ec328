from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class LanguageSelect(forms.Select):
    """Each language named in itself, and marked so (`lang`), for its readers to find it."""

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        option["attrs"]["lang"] = value
        return option


class LoginForm(AuthenticationForm):
    """Log-in, with the language a user reads from then on: kept on the profile at their first
    log-in (a profile that names none yet); the navigation's switcher changes it later."""

    language = forms.ChoiceField(
        label=_("Language"),
        choices=settings.LANGUAGES,
        required=False,
        widget=LanguageSelect,
        help_text=_("Kept from your first log-in; change it later from the navigation bar."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Log in"), css_class="w-100"))
        self.fields["username"].widget.attrs["autofocus"] = True
        self.fields["language"].initial = translation.get_language()


class LanguageForm(forms.Form):
    """The language a user chooses for the interface (the switcher, the first log-in's question)."""

    language = forms.ChoiceField(choices=settings.LANGUAGES)
