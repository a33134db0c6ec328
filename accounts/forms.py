from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Log in"), css_class="w-100"))
        self.fields["username"].widget.attrs["autofocus"] = True


class LanguageForm(forms.Form):
    """The language a user chooses for the interface (the switcher, the first log-in's question)."""

    language = forms.ChoiceField(choices=settings.LANGUAGES)
