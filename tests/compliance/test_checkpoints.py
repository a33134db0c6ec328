"""Signed checkpoints of the compliance log, kept outside the database, catch what the chain
alone cannot: a row rewritten by the database's owner with every later hash recomputed."""

from __future__ import annotations

import base64
import json
import logging

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command
from django.core.management.base import CommandError

from compliance.checkpoints import (
    compliance_checkpoint_write,
    compliance_log_verify_checkpoints,
    key_as_text,
    key_fingerprint,
)
from compliance.engine import compliance_decide
from compliance.jobs import write_log_checkpoint
from compliance.log import compliance_log_seal, compliance_log_verify
from compliance.models import ComplianceChainHead, ComplianceLogEntry
from tests.compliance.factories import case_under, mobile, utc
from tests.compliance.test_log import TABLE, tamper

pytestmark = pytest.mark.django_db

NOW = utc("2026-11-30 12:00")


@pytest.fixture
def signing_key(settings, tmp_path):
    """The deployment's key pair, its checkpoints in a directory of this test's own."""
    key = Ed25519PrivateKey.generate()
    settings.COMPLIANCE_CHECKPOINT_KEY = key_as_text(key)
    settings.COMPLIANCE_CHECKPOINT_PUBLIC_KEY = key_as_text(key.public_key())
    settings.COMPLIANCE_CHECKPOINT_DIR = tmp_path / "checkpoints"
    return key


@pytest.fixture
def decide():
    """`decide(n)` appends n decisions to the log, an hour apart."""
    case = case_under()
    point = mobile(case)
    made = 0

    def append(count: int) -> None:
        nonlocal made
        for _ in range(count):
            compliance_decide(
                actor=None,
                case=case,
                channel="call",
                contact_point=point,
                moment=utc(f"2026-11-23 {13 + made}:00"),
            )
            made += 1
        compliance_log_seal()

    return append


def checkpoint_files(settings) -> list[str]:
    return sorted(path.name for path in settings.COMPLIANCE_CHECKPOINT_DIR.glob("*"))


def verify_with_checkpoints(settings) -> str:
    """The command's verdict on the log and the checkpoint directory, success or failure."""
    try:
        call_command("verify_compliance_log", "--checkpoints", settings.COMPLIANCE_CHECKPOINT_DIR)
    except CommandError as error:
        return f"FAILED: {error}"
    return "OK"


def rewrite_and_rehash(sequence: int, reason: str) -> None:
    """What an owner of the database can do: change one row, then recompute its hash, every
    later row's links and hashes, and the chain's head, so the chain verifies again."""
    rows = list(ComplianceLogEntry.objects.filter(sequence__gte=sequence).order_by("sequence"))
    rows[0].reason = reason
    previous_hash = rows[0].previous_hash
    statements = []
    for row in rows:
        row.previous_hash = previous_hash
        row.entry_hash = previous_hash = row.compute_hash()
        statements.append(
            (
                f"UPDATE {TABLE} SET reason = %s, previous_hash = %s, entry_hash = %s "
                "WHERE sequence = %s",
                [row.reason, row.previous_hash, row.entry_hash, row.sequence],
            )
        )
    tamper(*statements)
    ComplianceChainHead.objects.filter(pk=1).update(last_hash=previous_hash)


def test_a_checkpoint_is_the_signed_head_of_the_log(signing_key, decide, settings):
    decide(3)
    written = compliance_checkpoint_write(now=NOW)

    assert written == settings.COMPLIANCE_CHECKPOINT_DIR / "checkpoint-0000000000000000003.json"
    assert checkpoint_files(settings) == [written.name]  # no temporary file left behind
    checkpoint = json.loads(written.read_text())
    last_row = ComplianceLogEntry.objects.get(sequence=3)
    assert checkpoint["sequence"] == 3
    assert checkpoint["head_hash"] == last_row.entry_hash
    assert checkpoint["written_at"] == "2026-11-30T12:00:00+00:00"
    assert checkpoint["key_fingerprint"] == key_fingerprint(signing_key.public_key())
    signed = {name: value for name, value in checkpoint.items() if name != "signature"}
    signing_key.public_key().verify(
        base64.b64decode(checkpoint["signature"]),
        json.dumps(signed, sort_keys=True, separators=(",", ":")).encode(),
    )


def test_a_head_already_checkpointed_is_not_written_again(signing_key, decide, settings):
    decide(2)
    first = compliance_checkpoint_write(now=NOW)
    content = first.read_text()

    assert compliance_checkpoint_write(now=utc("2026-11-30 12:05")) is None
    assert checkpoint_files(settings) == [first.name]
    assert first.read_text() == content

    decide(1)
    assert compliance_checkpoint_write(now=utc("2026-11-30 12:10")).name.endswith("0003.json")
    assert len(checkpoint_files(settings)) == 2


def test_an_empty_log_gets_no_checkpoint(signing_key, settings):
    assert compliance_checkpoint_write(now=NOW) is None
    assert not settings.COMPLIANCE_CHECKPOINT_DIR.exists()


def test_without_a_key_the_job_says_so_and_writes_nothing(settings, tmp_path, decide, caplog):
    settings.COMPLIANCE_CHECKPOINT_KEY = ""
    settings.COMPLIANCE_CHECKPOINT_DIR = tmp_path / "checkpoints"
    decide(1)
    with caplog.at_level(logging.WARNING, logger="compliance.checkpoints"):
        assert write_log_checkpoint() is None
    assert "COMPLIANCE_CHECKPOINT_KEY is not set" in caplog.text
    assert not settings.COMPLIANCE_CHECKPOINT_DIR.exists()


def test_the_job_writes_a_checkpoint_of_the_head(signing_key, decide, settings):
    decide(2)
    assert write_log_checkpoint() == str(
        settings.COMPLIANCE_CHECKPOINT_DIR / "checkpoint-0000000000000000002.json"
    )
    call_command("write_compliance_checkpoint")  # the same head: nothing new
    assert len(checkpoint_files(settings)) == 1


def test_an_intact_log_verifies_against_its_checkpoints(signing_key, decide, settings, capsys):
    decide(2)
    compliance_checkpoint_write(now=NOW)
    decide(3)
    compliance_checkpoint_write(now=utc("2026-11-30 12:05"))
    decide(1)  # not yet checkpointed

    call_command("verify_compliance_log", "--checkpoints", settings.COMPLIANCE_CHECKPOINT_DIR)
    assert (
        "verified 6 rows: the compliance log chain is intact; 2 checkpoints agree with it, "
        "the latest at row #5"
    ) in capsys.readouterr().out


def test_a_rewritten_and_rehashed_row_passes_the_chain_but_not_the_checkpoints(
    signing_key, decide, settings
):
    decide(2)
    compliance_checkpoint_write(now=NOW)
    decide(3)
    compliance_checkpoint_write(now=utc("2026-11-30 12:05"))
    decide(2)

    rewrite_and_rehash(4, "Allowed: all rules passed.")

    assert compliance_log_verify().ok  # the chain alone cannot tell
    call_command("verify_compliance_log")
    assert verify_with_checkpoints(settings) == (
        "FAILED: checkpoint checkpoint-0000000000000000005.json, written at "
        "2026-11-30T12:05:00+00:00, does not match the log at row #5: a row from #3 to #5 was "
        "rewritten and every later hash recomputed"
    )


def test_a_log_cut_short_fails_its_checkpoints(signing_key, decide, settings):
    decide(4)
    compliance_checkpoint_write(now=NOW)
    tamper((f"DELETE FROM {TABLE} WHERE sequence > %s", [2]))
    last = ComplianceLogEntry.objects.get(sequence=2)
    ComplianceChainHead.objects.filter(pk=1).update(last_sequence=2, last_hash=last.entry_hash)

    assert compliance_log_verify().ok
    assert "records row #4, which the log no longer holds" in verify_with_checkpoints(settings)


def test_a_checkpoint_changed_after_signing_fails_its_signature(signing_key, decide, settings):
    decide(2)
    written = compliance_checkpoint_write(now=NOW)
    checkpoint = json.loads(written.read_text())
    checkpoint["head_hash"] = ComplianceLogEntry.objects.get(sequence=1).entry_hash
    written.write_text(json.dumps(checkpoint))

    assert verify_with_checkpoints(settings) == (
        "FAILED: checkpoint checkpoint-0000000000000000002.json has a bad signature: it was "
        "changed after it was signed"
    )


def test_a_checkpoint_signed_by_another_key_fails(signing_key, decide, settings):
    decide(2)
    forger = Ed25519PrivateKey.generate()
    compliance_checkpoint_write(now=NOW, key=forger)

    result = compliance_log_verify_checkpoints(
        directory=settings.COMPLIANCE_CHECKPOINT_DIR, public_key=signing_key.public_key()
    )
    assert not result.ok
    assert result.bad_checkpoint == "checkpoint-0000000000000000002.json"
    assert f"names key {key_fingerprint(forger.public_key())}" in result.summary
    assert "was not signed by the public key given" in result.summary
    assert verify_with_checkpoints(settings).startswith("FAILED: checkpoint checkpoint-000")


@pytest.mark.parametrize("content", ["not json", "{}", '{"signature": "!!"}', "[1, 2]"])
def test_a_file_that_is_no_checkpoint_is_named(signing_key, decide, settings, content):
    decide(1)
    compliance_checkpoint_write(now=NOW)
    (settings.COMPLIANCE_CHECKPOINT_DIR / "checkpoint-0000000000000000000.json").write_text(content)

    assert verify_with_checkpoints(settings) == (
        "FAILED: checkpoint checkpoint-0000000000000000000.json cannot be read as a checkpoint"
    )


def test_verifying_an_empty_checkpoint_directory_fails(signing_key, decide, settings):
    decide(1)
    assert verify_with_checkpoints(settings).startswith("FAILED: --checkpoints:")  # missing
    settings.COMPLIANCE_CHECKPOINT_DIR.mkdir()
    assert verify_with_checkpoints(settings).startswith("FAILED: no checkpoints in")


@pytest.mark.parametrize("public_key", ["", "not base64", base64.b64encode(b"short").decode()])
def test_verifying_checkpoints_needs_a_valid_public_key(signing_key, decide, settings, public_key):
    decide(1)
    compliance_checkpoint_write(now=NOW)
    settings.COMPLIANCE_CHECKPOINT_PUBLIC_KEY = public_key
    verdict = verify_with_checkpoints(settings)
    assert verdict.startswith("FAILED: --")
    assert "public key" in verdict


def test_the_key_command_makes_a_pair_whose_public_half_verifies(
    settings, tmp_path, decide, capsys
):
    call_command("compliance_checkpoint_key", "--new")
    printed = dict(
        line.split("=", 1) for line in capsys.readouterr().out.splitlines() if "=" in line
    )
    public_key = printed["COMPLIANCE_CHECKPOINT_PUBLIC_KEY"]
    settings.COMPLIANCE_CHECKPOINT_KEY = printed["COMPLIANCE_CHECKPOINT_KEY"]
    settings.COMPLIANCE_CHECKPOINT_PUBLIC_KEY = ""
    settings.COMPLIANCE_CHECKPOINT_DIR = tmp_path

    call_command("compliance_checkpoint_key")
    assert f"COMPLIANCE_CHECKPOINT_PUBLIC_KEY={public_key}" in capsys.readouterr().out
    decide(1)
    call_command("write_compliance_checkpoint")
    call_command("verify_compliance_log", "--checkpoints", tmp_path, "--public-key", public_key)
    assert "1 checkpoint agrees with it, the latest at row #1" in capsys.readouterr().out


def test_the_key_command_without_a_key_explains(settings):
    settings.COMPLIANCE_CHECKPOINT_KEY = ""
    with pytest.raises(CommandError, match="COMPLIANCE_CHECKPOINT_KEY is not set"):
        call_command("compliance_checkpoint_key")
    settings.COMPLIANCE_CHECKPOINT_KEY = "not a key"
    with pytest.raises(CommandError, match="base64 of 32 bytes"):
        call_command("compliance_checkpoint_key")
