"""The RQ job behind the upload page: it imports one stored upload."""

from __future__ import annotations

from feeds.importer import feed_import
from feeds.models import ImportRun


def run_import(run_id: int) -> str:
    run = ImportRun.objects.select_related("user").get(pk=run_id)
    with run.upload.open("rb") as upload:
        run = feed_import(
            kind=run.kind,
            path_or_file=upload,
            business_date=run.business_date,
            user=run.user,
            run=run,
        )
    return run.status
