"""Break-glass: an emergency read is allowed, logged, and put on the review list (scenario 14).

The written reason may describe the person ("unconscious, no ID"), so it is sealed under the
person's own data key: forgetting her shreds the reason too.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import TYPE_CHECKING

from sqlalchemy import Connection

from confide.crypto import FieldSealer
from confide.policy import Decision, DecisionRequest
from confide.service.tables import break_glass_reviews

if TYPE_CHECKING:
    from confide.vault.vault import Vault

#: The field name the reason is sealed under (associated data binds it to the review).
REASON_FIELD = "break_glass.reason"


def record_break_glass(
    vault: Vault,
    conn: Connection,
    request: DecisionRequest,
    decision: Decision,
    subject: str,
    record_id: str,
    reason: str,
    actor: str | None,
) -> str:
    """Log the break-glass read and open its review, in the read's own transaction."""
    review_id = str(uuid.uuid4())
    key = vault.keyring.data_key(conn, subject, create=False)
    if key is None:  # pragma: no cover - the read found the subject's fields a moment ago
        raise RuntimeError("the subject's key vanished during a break-glass read")
    sealed = FieldSealer(key).seal(
        reason.encode("utf-8"), record_id=review_id, field=REASON_FIELD, subject=subject
    )
    index = vault.log.append(
        conn,
        {
            "kind": "break_glass",
            "requester": request.requester_org,
            "role": request.role,
            "holder": request.holder,
            "purpose": request.purpose,
            "subject": subject,
            "record": record_id,
            "released": list(decision.fields),
            "policy": decision.policy,
            "review": review_id,
        },
    )
    conn.execute(
        break_glass_reviews.insert().values(
            id=review_id,
            log_index=index,
            org=request.requester_org,
            actor=(actor or request.role)[:128],
            record_id=record_id,
            subject=subject,
            purpose=request.purpose,
            released=json.dumps(list(decision.fields)),
            reason=sealed,
            created_at=dt.datetime.now(dt.UTC),
        )
    )
    return review_id
