"""Days-past-due buckets: how collections teams slice a portfolio by how late it is."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Bucket(models.IntegerChoices):
    """Days past due, and (for roll rates) where a case ended up."""

    CURRENT = 0, _("Current (0)")
    DPD_1_29 = 1, "1-29"
    DPD_30_59 = 2, "30-59"
    DPD_60_89 = 3, "60-89"
    DPD_90_119 = 4, "90-119"
    DPD_120_PLUS = 5, "120+"
    CURED = 6, pgettext_lazy("bucket", "Cured")
    CLOSED = 7, _("Closed otherwise")


# (bucket, fewest days past due in it), highest first.
BUCKET_FLOORS = (
    (Bucket.DPD_120_PLUS, 120),
    (Bucket.DPD_90_119, 90),
    (Bucket.DPD_60_89, 60),
    (Bucket.DPD_30_59, 30),
    (Bucket.DPD_1_29, 1),
)
DELINQUENCY_BUCKETS = tuple(bucket for bucket, _floor in reversed(BUCKET_FLOORS))
