"""`{{ text|masked }}`: text stored before it was checked, shown with every card number and
national ID number in it reduced to its last four."""

from __future__ import annotations

from django import template

from common.sensitive import mask_secrets

register = template.Library()


@register.filter
def masked(text) -> str:
    return mask_secrets(str(text)) if text else text
