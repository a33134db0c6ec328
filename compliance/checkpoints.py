"""Signed checkpoints of the compliance log, kept outside the database.

The hash chain shows a changed row, but whoever owns the database can rewrite a row and
recompute every later hash. A checkpoint is the chain's head (sequence and hash) at a moment,
signed with an Ed25519 key the database never sees and written as one small JSON file to a
directory: a rewritten row then no longer hashes to what a checkpoint at or after it recorded,
and forging the checkpoint needs the private key. Auditors verify with the public key only.

Keys travel as base64 of their 32 raw bytes: the private key (the seed) in
COMPLIANCE_CHECKPOINT_KEY where the checkpoint job runs, the public key with the auditors.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from compliance.log import compliance_log_seal, compliance_log_verify
from compliance.models import ComplianceChainHead, ComplianceLogEntry

logger = logging.getLogger(__name__)

CHECKPOINT_FORMAT = 1
CHECKPOINT_GLOB = "checkpoint-*.json"
SIGNED_FIELDS = ("format", "sequence", "head_hash", "written_at", "key_fingerprint")


class CheckpointKeyError(ValueError):
    """A key given as text is not base64 of 32 bytes."""


def _key_bytes(text: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except binascii.Error:
        raw = b""
    if len(raw) != 32:
        raise CheckpointKeyError(
            _("the %(what)s must be base64 of 32 bytes (see manage.py compliance_checkpoint_key)")
            % {"what": what}
        )
    return raw


def private_key_from_text(text: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(_key_bytes(text, _("checkpoint private key")))


def public_key_from_text(text: str) -> Ed25519PublicKey:
    raw = _key_bytes(text, _("checkpoint public key"))
    try:
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError as error:
        raise CheckpointKeyError(_("the checkpoint public key is not a valid key")) from error


def key_as_text(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    raw = key.private_bytes_raw() if isinstance(key, Ed25519PrivateKey) else key.public_bytes_raw()
    return base64.b64encode(raw).decode("ascii")


def key_fingerprint(public_key: Ed25519PublicKey) -> str:
    """A short name for a public key, so a checkpoint says which key signed it."""
    return hashlib.sha256(public_key.public_bytes_raw()).hexdigest()[:16]


def configured_signing_key() -> Ed25519PrivateKey | None:
    """The key in COMPLIANCE_CHECKPOINT_KEY; None where none is set (development)."""
    if not settings.COMPLIANCE_CHECKPOINT_KEY:
        return None
    try:
        return private_key_from_text(settings.COMPLIANCE_CHECKPOINT_KEY)
    except CheckpointKeyError as error:
        raise ImproperlyConfigured(f"COMPLIANCE_CHECKPOINT_KEY: {error}") from error


def _signed_bytes(checkpoint: dict) -> bytes:
    content = {field: checkpoint[field] for field in SIGNED_FIELDS}
    return json.dumps(content, sort_keys=True, separators=(",", ":")).encode()


def checkpoint_file_name(sequence: int) -> str:
    # Zero-padded to the width of the largest sequence, so names sort as the chain does.
    return f"checkpoint-{sequence:019d}.json"


def compliance_checkpoint_write(
    *,
    now: datetime,
    directory: Path | None = None,
    key: Ed25519PrivateKey | None = None,
) -> Path | None:
    """Seal what is committed, then sign the chain's head at `now` and write it to `directory`
    (by default COMPLIANCE_CHECKPOINT_DIR); returns the new file, or None when nothing was
    written: no key configured, an empty log, or a head already checkpointed (so reruns write
    nothing twice).

    The file appears whole or not at all: it is written under a temporary name, then linked to
    its final name, which fails rather than replace a checkpoint already there.
    """
    key = key or configured_signing_key()
    if key is None:
        logger.warning("COMPLIANCE_CHECKPOINT_KEY is not set: no compliance log checkpoint written")
        return None
    compliance_log_seal()
    head = ComplianceChainHead.objects.filter(pk=1).first()
    if head is None or head.last_sequence == 0:
        return None
    directory = Path(directory or settings.COMPLIANCE_CHECKPOINT_DIR)
    target = directory / checkpoint_file_name(head.last_sequence)
    if target.exists():
        return None
    checkpoint = {
        "format": CHECKPOINT_FORMAT,
        "sequence": head.last_sequence,
        "head_hash": head.last_hash,
        "written_at": now.astimezone(UTC).isoformat(),
        "key_fingerprint": key_fingerprint(key.public_key()),
    }
    checkpoint["signature"] = base64.b64encode(key.sign(_signed_bytes(checkpoint))).decode()
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        "w", dir=directory, prefix=".checkpoint-", suffix=".tmp", delete=False
    ) as temporary:
        json.dump(checkpoint, temporary, indent=2, sort_keys=True)
        temporary.write("\n")
        temporary.flush()
        os.fsync(temporary.fileno())
    try:
        os.link(temporary.name, target)
    except FileExistsError:  # another run wrote this head meanwhile
        return None
    finally:
        os.unlink(temporary.name)
    logger.info("compliance log checkpoint written at row #%d: %s", head.last_sequence, target)
    return target


@dataclass(frozen=True)
class CheckpointVerification:
    ok: bool
    summary: str
    checkpoints_checked: int = 0
    bad_checkpoint: str = ""  # the file name of the first checkpoint that failed


def _read_checkpoint(path: Path, public_key: Ed25519PublicKey) -> tuple[dict | None, str]:
    """The checkpoint in `path` if it is well formed and its signature holds, else why not."""
    try:
        checkpoint = json.loads(path.read_text(encoding="utf-8"))
        signature = base64.b64decode(checkpoint["signature"], validate=True)
        signed = _signed_bytes(checkpoint)
        sequence = checkpoint["sequence"]
        if not (isinstance(sequence, int) and isinstance(checkpoint["head_hash"], str)):
            raise TypeError
    except (OSError, UnicodeDecodeError, ValueError, TypeError, KeyError, binascii.Error):
        return None, _("checkpoint %(name)s cannot be read as a checkpoint") % {"name": path.name}
    try:
        public_key.verify(signature, signed)
    except InvalidSignature:
        if checkpoint["key_fingerprint"] != key_fingerprint(public_key):
            problem = _(
                "checkpoint %(name)s was not signed by the public key given (it names key "
                "%(fingerprint)s): its signature does not verify"
            )
        else:
            problem = _(
                "checkpoint %(name)s has a bad signature: it was changed after it was signed"
            )
        return None, problem % {"name": path.name, "fingerprint": checkpoint["key_fingerprint"]}
    return checkpoint, ""


def compliance_log_verify_checkpoints(
    *, directory: Path, public_key: Ed25519PublicKey, batch_size: int = 1000
) -> CheckpointVerification:
    """Verify the chain, then every checkpoint in `directory` against it, oldest first.

    Each checkpoint's signature must hold under `public_key`, and the log's row at the
    checkpoint's sequence must carry the hash the checkpoint recorded. Once the chain itself
    verifies, a row whose hash differs means rows up to it were rewritten and every later hash
    recomputed; the last checkpoint that still agrees bounds the rewrite from below.
    """
    chain = compliance_log_verify(batch_size=batch_size)
    if not chain.ok:
        return CheckpointVerification(ok=False, summary=chain.summary)
    paths = sorted(directory.glob(CHECKPOINT_GLOB))
    if not paths:
        return CheckpointVerification(
            ok=False, summary=_("no checkpoints in %(directory)s") % {"directory": directory}
        )
    agreed_up_to, checked = 0, 0
    for start in range(0, len(paths), batch_size):
        batch = []
        for path in paths[start : start + batch_size]:
            checkpoint, problem = _read_checkpoint(path, public_key)
            if checkpoint is None:
                return CheckpointVerification(
                    ok=False, summary=problem, checkpoints_checked=checked, bad_checkpoint=path.name
                )
            batch.append((path, checkpoint))
        logged_hashes = dict(
            ComplianceLogEntry.objects.filter(
                sequence__in=[checkpoint["sequence"] for _path, checkpoint in batch]
            ).values_list("sequence", "entry_hash")
        )
        for path, checkpoint in batch:
            sequence = checkpoint["sequence"]
            values = {
                "name": path.name,
                "sequence": sequence,
                "written_at": checkpoint["written_at"],
                "first": agreed_up_to + 1,
            }
            if sequence not in logged_hashes:
                problem = _(
                    "checkpoint %(name)s, written at %(written_at)s, records row #%(sequence)d, "
                    "which the log no longer holds: rows at its end were deleted"
                )
            elif logged_hashes[sequence] != checkpoint["head_hash"]:
                problem = _(
                    "checkpoint %(name)s, written at %(written_at)s, does not match the log at "
                    "row #%(sequence)d: a row from #%(first)d to #%(sequence)d was rewritten and "
                    "every later hash recomputed"
                )
            else:
                agreed_up_to = sequence
                checked += 1
                continue
            return CheckpointVerification(
                ok=False,
                summary=problem % values,
                checkpoints_checked=checked,
                bad_checkpoint=path.name,
            )
    summary = ngettext(
        "%(rows)s; %(count)d checkpoint agrees with it, the latest at row #%(sequence)d",
        "%(rows)s; %(count)d checkpoints agree with it, the latest at row #%(sequence)d",
        checked,
    ) % {"rows": chain.summary, "count": checked, "sequence": agreed_up_to}
    return CheckpointVerification(ok=True, summary=summary, checkpoints_checked=checked)
