"""The recurring jobs, registered once here.

Run by `manage.py rqcron collections_site/cron.py`.
"""

from django.core.management import call_command
from rq import cron

from cases.jobs import release_expired_claims

cron.register(release_expired_claims, queue_name="default", interval=300)
cron.register(
    call_command,
    queue_name="default",
    args=("clearsessions",),
    cron="17 3 * * *",
    name="clearsessions",
)
