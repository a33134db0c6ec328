"""The recurring jobs, registered once here.

Run by `manage.py rqcron collections_site/cron.py`. Cron expressions are read in the
process's local time, which Django sets to TIME_ZONE: the bank's time zone.
"""

from django.core.management import call_command
from rq import cron

from collections_site.nightly import resume_abandoned_days, run_collections_day
from compliance.jobs import seal_compliance_log, write_log_checkpoint
from feeds.jobs import resume_stalled_imports
from pipeline.jobs import PRINT_JOB_TIMEOUT, print_letters, start_dispatch
from reporting.jobs import refresh_statistics, snapshot_statistics, snapshot_yesterday
from workspace.jobs import release_expired_claims

cron.register(run_collections_day, queue_name="pipeline", cron="30 1 * * *", job_timeout=3600)
# A date whose run's process died is run again, which finishes its work.
cron.register(resume_abandoned_days, queue_name="pipeline", interval=300)
# Each dispatch slot sends while messages are due; a slot whose worker runs is left alone.
cron.register(start_dispatch, queue_name="messages", interval=60)
# Letters handed to print are set into print files, off the dispatch path.
cron.register(print_letters, queue_name="default", interval=600, job_timeout=PRINT_JOB_TIMEOUT)
cron.register(release_expired_claims, queue_name="default", interval=300)
# Writers append unsealed rows; the sealer chains them within seconds, on its own queue so a
# long job elsewhere never holds it up.
cron.register(seal_compliance_log, queue_name="compliance", interval=5)
# A signed checkpoint of the compliance log's head, kept outside the database.
cron.register(write_log_checkpoint, queue_name="default", interval=300)
# Uploads whose job was lost (Redis away) or whose worker died are imported again.
cron.register(resume_stalled_imports, queue_name="default", interval=120)
# The dashboards' daily statistics: changed days every 10 minutes, the portfolio hourly, and
# yesterday's final snapshot once the nightly pipeline has run.
cron.register(refresh_statistics, queue_name="default", interval=600, job_timeout=1800)
cron.register(snapshot_statistics, queue_name="default", cron="5 * * * *", job_timeout=1800)
cron.register(snapshot_yesterday, queue_name="default", cron="30 3 * * *", job_timeout=1800)
cron.register(
    call_command,
    queue_name="default",
    args=("clearsessions",),
    cron="17 3 * * *",
    name="clearsessions",
)
