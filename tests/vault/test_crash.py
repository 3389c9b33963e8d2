"""A process killed in the middle of writes leaves no half-written record (both databases)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time

from sqlalchemy import func, select

from confide.runtime import Confide
from confide.storage import Settings
from confide.storage.tables import fields, records

WRITER = textwrap.dedent(
    """
    import sys
    from confide.runtime import Confide
    from confide.storage import Settings

    confide = Confide.open(Settings.resolve(home=sys.argv[1], database_url=sys.argv[2]))
    print("ready", flush=True)
    n = 0
    while True:
        confide.vault.put(
            holder="st-marys-clinic",
            subject=f"crash-{n % 50}",
            purpose="care.treatment",
            values={
                "identity.name": f"Crash Synthetic {n}",
                "contact.phone": f"+00 0000 {n:06d}",
                "health.condition": "synthetic",
                "health.notes": "x" * 2000,
            },
        )
        n += 1
    """
)


def test_kill_during_writes_leaves_only_whole_records(settings: Settings) -> None:
    rng = random.Random(20261125)
    for _ in range(4):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(settings.home), settings.database_url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == b"ready", proc.stderr.read() if proc.stderr else ""
        time.sleep(rng.uniform(0.2, 1.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    confide = Confide.open(settings)
    try:
        with confide.db.connect() as conn:
            written = conn.execute(select(func.count()).select_from(records)).scalar_one()
            per_record = conn.execute(
                select(fields.c.record_id, func.count()).group_by(fields.c.record_id)
            ).all()
            ids = conn.execute(select(records.c.id)).scalars().all()
        assert written > 0
        assert len(per_record) == written
        assert all(count == 4 for _, count in per_record)
        for record_id in ids[:: max(1, len(ids) // 20)]:
            d = confide.vault.read(record_id, requester="st-marys-clinic", purpose="care.treatment")
            assert set(d.values) == {
                "identity.name",
                "contact.phone",
                "health.condition",
                "health.notes",
            }
    finally:
        confide.close()
