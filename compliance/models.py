"""Compliance policies (versioned data) and the append-only, hash-chained compliance log.

The tables keep the names they were created with (`cases_…`), from before the split of the
`cases` app.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import TimeStampedModel
from cases.models import Activity
from compliance.presets import FAILED_RULES_MAX_LENGTH, PRESETS, rule_name

GENESIS_HASH = "0" * 64


class AppendOnlyError(Exception):
    """Raised on any attempt to change or remove a row that is written once."""


class AppendOnlyQuerySet(models.QuerySet):
    """A queryset that inserts and reads but refuses bulk updates and deletes."""

    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model._meta.verbose_name} rows are never updated.")

    def delete(self):
        raise AppendOnlyError(f"{self.model._meta.verbose_name} rows are never deleted.")


class AppendOnlyModel(models.Model):
    """save() inserts once and refuses later saves; delete() refuses."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{self._meta.verbose_name} rows are never updated.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{self._meta.verbose_name} rows are never deleted.")


PRESET_CHOICES = [(code, preset.name) for code, preset in PRESETS.items()]


class CompliancePolicy(TimeStampedModel):
    """A named policy (strategies and portfolios refer to its code) built on a preset."""

    code = models.CharField(
        gettext_lazy("code"),
        max_length=20,
        unique=True,
        help_text=gettext_lazy("What Strategy.policy and portfolios name."),
    )
    preset = models.CharField(gettext_lazy("preset"), max_length=20, choices=PRESET_CHOICES)
    name = models.CharField(gettext_lazy("name"), max_length=200)
    description = models.TextField(gettext_lazy("description"), blank=True)

    class Meta:
        db_table = "cases_compliancepolicy"
        ordering = ["code"]
        verbose_name = gettext_lazy("compliance policy")
        verbose_name_plural = gettext_lazy("compliance policies")

    def __str__(self) -> str:
        return self.code


class CompliancePolicyVersion(AppendOnlyModel):
    """One version of a policy's parameters; a change is a new version, never an edit."""

    policy = models.ForeignKey(
        CompliancePolicy,
        on_delete=models.PROTECT,
        related_name="versions",
        verbose_name=gettext_lazy("policy"),
    )
    version = models.PositiveIntegerField(gettext_lazy("version"))
    parameters = models.JSONField(
        gettext_lazy("parameters"),
        help_text=gettext_lazy("Validated against the preset's parameter schema."),
    )
    note = models.CharField(
        gettext_lazy("note"),
        max_length=300,
        blank=True,
        help_text=gettext_lazy("Why this version was made."),
    )
    created_at = models.DateTimeField(gettext_lazy("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=gettext_lazy("created by"),
        help_text=gettext_lazy("Blank for the shipped presets."),
    )

    class Meta:
        db_table = "cases_compliancepolicyversion"
        ordering = ["policy", "-version"]
        verbose_name = gettext_lazy("compliance policy version")
        verbose_name_plural = gettext_lazy("compliance policy versions")
        constraints = [
            models.UniqueConstraint(fields=["policy", "version"], name="policy_version_unique"),
            models.CheckConstraint(condition=Q(version__gte=1), name="policy_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.policy.code} v{self.version}"


class PortfolioPolicy(TimeStampedModel):
    """A portfolio whose cases follow another policy than their strategy's or the site's."""

    portfolio = models.CharField(gettext_lazy("portfolio"), max_length=60, unique=True)
    policy = models.ForeignKey(
        CompliancePolicy,
        on_delete=models.PROTECT,
        related_name="portfolios",
        verbose_name=gettext_lazy("policy"),
    )

    class Meta:
        db_table = "cases_portfoliopolicy"
        ordering = ["portfolio"]
        verbose_name = gettext_lazy("portfolio policy")
        verbose_name_plural = gettext_lazy("portfolio policies")

    def __str__(self) -> str:
        return f"{self.portfolio} → {self.policy.code}"


class ComplianceChainHead(models.Model):
    """The chain's end: the last sealed row. Only the sealer locks it (compliance/log.py)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_sequence = models.BigIntegerField(gettext_lazy("last sequence"), default=0)
    last_hash = models.CharField(gettext_lazy("last hash"), max_length=64, default=GENESIS_HASH)

    class Meta:
        db_table = "cases_compliancechainhead"
        verbose_name = gettext_lazy("compliance chain head")
        verbose_name_plural = gettext_lazy("compliance chain heads")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="compliance_chain_one_head")]

    def __str__(self) -> str:
        return f"chain head at #{self.last_sequence}"


class ComplianceLogEntry(AppendOnlyModel):
    """One compliance decision, or one contact made under a decision. Never changed.

    Written unsealed (no sequence, no hashes); the sealer then gives it its place in the
    chain once, and the database refuses every other change. `entry_hash` is SHA-256 over the
    previous row's hash and a canonical JSON of this row's content, so changing, removing or
    reordering a sealed row breaks the chain from there on.
    """

    # The only columns ever written after the insert, once, by the sealer.
    SEAL_FIELDS = ("sequence", "previous_hash", "entry_hash")

    class Kind(models.TextChoices):
        DECISION = "decision", gettext_lazy("Decision")
        CONTACT = "contact", gettext_lazy("Contact made")
        # The debtor called: not an attempt, so no decision; the contact still counts.
        RECEIVED = "received", gettext_lazy("Contact received")
        # A dialer placed a call no decision allowed: recorded for the officer, never hidden.
        UNGATED = "ungated", gettext_lazy("Contact made without approval")

    class Verdict(models.TextChoices):
        ALLOWED = "allowed", gettext_lazy("Allowed")
        BLOCKED = "blocked", gettext_lazy("Blocked")
        OVERRIDDEN = "overridden", gettext_lazy("Overridden")

    sequence = models.BigIntegerField(
        unique=True,
        null=True,
        blank=True,
        help_text=gettext_lazy("Gap-free position in the chain; empty until the row is sealed."),
        verbose_name=gettext_lazy("sequence"),
    )
    kind = models.CharField(
        max_length=10, choices=Kind, default=Kind.DECISION, verbose_name=gettext_lazy("kind")
    )
    occurred_at = models.DateTimeField(
        help_text=gettext_lazy("The moment judged, UTC."), verbose_name=gettext_lazy("occurred at")
    )
    debtor_local_time = models.CharField(
        max_length=40,
        help_text=gettext_lazy("ISO time with UTC offset."),
        verbose_name=gettext_lazy("debtor's local time"),
    )
    debtor_time_zone = models.CharField(
        max_length=64, verbose_name=gettext_lazy("debtor's time zone")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="compliance_log_entries",
        help_text=gettext_lazy("Blank for the system."),
        verbose_name=gettext_lazy("actor"),
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="compliance_log",
        verbose_name=gettext_lazy("agency"),
    )
    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="compliance_log",
        help_text=gettext_lazy("The actor's team when the row was written."),
        verbose_name=gettext_lazy("team"),
    )
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.PROTECT,
        related_name="compliance_log",
        verbose_name=gettext_lazy("case"),
    )
    debtor = models.ForeignKey(
        "cases.Debtor",
        on_delete=models.PROTECT,
        related_name="compliance_log",
        verbose_name=gettext_lazy("debtor"),
    )
    contact_point = models.ForeignKey(
        "cases.ContactPoint",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="compliance_log",
        verbose_name=gettext_lazy("contact point"),
    )
    channel = models.CharField(max_length=10, verbose_name=gettext_lazy("channel"))
    action = models.CharField(max_length=60, verbose_name=gettext_lazy("action"))
    policy_code = models.CharField(max_length=20, verbose_name=gettext_lazy("policy code"))
    policy_version = models.PositiveIntegerField(verbose_name=gettext_lazy("policy version"))
    rules = models.JSONField(
        default=list,
        help_text=gettext_lazy("Every rule evaluated: inputs and result."),
        verbose_name=gettext_lazy("rules"),
    )
    failed_rules = models.CharField(
        max_length=FAILED_RULES_MAX_LENGTH,
        blank=True,
        help_text=gettext_lazy('Codes of the failing rules, as ",code,code,".'),
        verbose_name=gettext_lazy("failed rules"),
    )
    verdict = models.CharField(max_length=10, choices=Verdict, verbose_name=gettext_lazy("verdict"))
    reason = models.TextField(verbose_name=gettext_lazy("reason"))
    next_allowed_at = models.DateTimeField(
        null=True, blank=True, verbose_name=gettext_lazy("next allowed at")
    )
    override_reason = models.TextField(blank=True, verbose_name=gettext_lazy("override reason"))
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="compliance_approvals",
        verbose_name=gettext_lazy("approver"),
    )
    activity = models.ForeignKey(
        "cases.Activity",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="compliance_log",
        help_text=gettext_lazy("The contact made (contact rows only)."),
        verbose_name=gettext_lazy("activity"),
    )
    decision_entry = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contact_entries",
        help_text=gettext_lazy("The decision this contact was made under."),
        verbose_name=gettext_lazy("decision"),
    )
    evidence = models.JSONField(
        default=list,
        blank=True,
        help_text=gettext_lazy(
            "Files kept as evidence of the contact (contact rows only): each file's name, size "
            "and SHA-256."
        ),
        verbose_name=gettext_lazy("evidence"),
    )
    previous_hash = models.CharField(
        max_length=64, blank=True, verbose_name=gettext_lazy("previous hash")
    )
    entry_hash = models.CharField(max_length=64, blank=True, verbose_name=gettext_lazy("row hash"))

    class Meta:
        db_table = "cases_compliancelogentry"
        ordering = ["-id"]  # newest first, sealed or not (the sealer follows id order)
        verbose_name = gettext_lazy("compliance log entry")
        verbose_name_plural = gettext_lazy("compliance log entries")
        permissions = [
            ("view_compliance_log", "Can audit the compliance log"),
            ("override_compliance", "Can override an overridable compliance block"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(sequence__gte=1), name="compliance_log_sequence"),
            models.CheckConstraint(
                condition=Q(sequence__isnull=True, previous_hash="", entry_hash="")
                | (Q(sequence__isnull=False) & ~Q(previous_hash="") & ~Q(entry_hash="")),
                name="compliance_log_sealed_whole",
            ),
            models.CheckConstraint(
                condition=~Q(verdict="overridden") | ~Q(override_reason=""),
                name="compliance_log_override_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(kind="decision") | Q(activity__isnull=False),
                name="compliance_log_contact_has_activity",
            ),
        ]
        indexes = [
            models.Index(fields=["occurred_at"], name="compliance_log_time"),
            models.Index(fields=["case", "occurred_at"], name="compliance_log_case"),
            models.Index(fields=["debtor", "occurred_at"], name="compliance_log_debtor"),
            models.Index(fields=["actor", "occurred_at"], name="compliance_log_actor"),
            models.Index(fields=["agency", "occurred_at"], name="compliance_log_agency"),
            models.Index(fields=["verdict", "occurred_at"], name="compliance_log_verdict"),
            models.Index(
                fields=["id"], condition=Q(sequence__isnull=True), name="compliance_log_unsealed"
            ),
        ]

    def __str__(self) -> str:
        return _("%(position)s %(verdict)s %(channel)s · case %(case)s") % {
            "position": self.position,
            "verdict": self.get_verdict_display(),
            "channel": self.channel_label,
            "case": self.case_id,
        }

    @property
    def channel_label(self) -> str:
        """The channel as people call it (the log keeps its code)."""
        return str(dict(Activity.Channel.choices).get(self.channel, self.channel))

    @property
    def position(self) -> str:
        """`#12` once sealed; until then the row's id, marked as not yet in the chain."""
        if self.sequence is None:
            return _("id %(id)s, not yet sealed") % {"id": self.pk}
        return f"#{self.sequence}"

    def hashed_content(self) -> dict[str, Any]:
        """Everything the hash covers, as JSON-safe values that survive a database round trip.

        `evidence` is covered when a row has any: rows without keep the content (and the hash)
        they were sealed with before the field existed.
        """
        content = {
            "sequence": self.sequence,
            "kind": self.kind,
            "occurred_at": _utc_iso(self.occurred_at),
            "debtor_local_time": self.debtor_local_time,
            "debtor_time_zone": self.debtor_time_zone,
            "actor": self.actor_id,
            "agency": self.agency_id,
            "team": self.team_id,
            "case": self.case_id,
            "debtor": self.debtor_id,
            "contact_point": self.contact_point_id,
            "channel": self.channel,
            "action": self.action,
            "policy_code": self.policy_code,
            "policy_version": self.policy_version,
            "rules": self.rules,
            "failed_rules": self.failed_rules,
            "verdict": self.verdict,
            "reason": self.reason,
            "next_allowed_at": _utc_iso(self.next_allowed_at),
            "override_reason": self.override_reason,
            "approver": self.approver_id,
            "activity": self.activity_id,
            "decision_entry": self.decision_entry_id,
        }
        if self.evidence:
            content["evidence"] = self.evidence
        return content

    def compute_hash(self) -> str:
        canonical = json.dumps(
            self.hashed_content(), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        return hashlib.sha256(f"{self.previous_hash}\n{canonical}".encode()).hexdigest()

    @property
    def failed_rule_codes(self) -> list[str]:
        return [code for code in self.failed_rules.split(",") if code]

    @property
    def failed_rule_names(self) -> list[tuple[str, str]]:
        """(code, name) of each failing rule, for people to read."""
        return [(code, rule_name(code)) for code in self.failed_rule_codes]

    @property
    def rules_named(self) -> list[dict[str, Any]]:
        """The rules evaluated, each with the name people know it by."""
        return [{**rule, "name": rule_name(rule.get("code", ""))} for rule in self.rules]


def _utc_iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(dt.UTC).isoformat()
