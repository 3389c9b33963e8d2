"""A transparency report written out: the versioned JSON document and the long CSV table.

The CSV is one table with a ``section`` column, so a spreadsheet or a script filters
instead of parsing several tables. Its first row names the columns; its second row holds
HXL hashtags (the Humanitarian Exchange Language, hxlstandard.org: a row of ``#tag
+attribute`` cells between the headers and the data), so humanitarian data tools read it
without a mapping. Counts are ``#indicator +num`` (HXL's numeric indicator; ``#value`` is
for money), what is counted is ``#indicator +code``, organisations are ``#org +code`` with
``+requester``, ``+holder`` or ``+recipient``, sectors ``#sector +code``, a decision
``#status``, dates ``#date`` with ``+start``/``+end`` for a period and ``+occurred`` for
one event, and the rest ``#meta``. Lists (rules, categories) are separated by spaces.
"""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Iterator
from typing import Any, Final

from confide.transparency.report_model import REPORT_FORMAT, TransparencyReport, period_bounds

__all__ = ["CSV_COLUMNS", "report_csv", "report_document"]

#: (column, HXL hashtag), in order.
CSV_COLUMNS: Final = (
    ("section", "#meta +section"),
    ("period", "#meta +period"),
    ("period_start", "#date +start"),
    ("period_end", "#date +end"),
    ("time", "#date +occurred"),
    ("log_index", "#meta +log_index"),
    ("indicator", "#indicator +code"),
    ("requester", "#org +code +requester"),
    ("sector", "#sector +code +requester"),
    ("holder", "#org +code +holder"),
    ("recipient", "#org +code +recipient"),
    ("action", "#meta +action"),
    ("purpose", "#meta +purpose"),
    ("categories", "#meta +categories"),
    ("decision", "#status +decision"),
    ("rules", "#meta +rules"),
    ("policy", "#meta +policy"),
    ("previous", "#meta +policy +previous"),
    ("agreement", "#meta +agreement"),
    ("detail", "#meta +detail"),
    ("value", "#indicator +num"),
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

Row = dict[str, Any]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


# -- JSON ------------------------------------------------------------------------------------


def report_document(r: TransparencyReport) -> dict[str, Any]:
    """The JSON document of ``r``: keys in a fixed order, every list sorted or in log order."""
    cp = r.checkpoint
    return {
        "format": REPORT_FORMAT,
        "scope": {"organisation": r.org, "sector": r.org_sector, "period": r.period},
        "tree": {"size": r.size, "root": _b64(r.root), "root_hex": r.root.hex()},
        "checkpoint": None
        if cp is None
        else {
            "origin": cp.origin,
            "size": cp.size,
            "root": _b64(cp.root),
            "sha256": cp.sha256,
            "created_at": cp.created_at,
            "note": cp.note,
            "consistency": [_b64(h) for h in cp.consistency],
        },
        "registry": r.registry,
        "totals": {
            "requests": r.decided("permit") + r.decided("deny"),
            "permit": r.decided("permit"),
            "deny": r.decided("deny"),
            "enforcement_requests": len(r.enforcement),
            "enforcement_permitted": len(r.enforcement_permitted),
            "break_glass_uses": sum(c.uses for c in r.break_glass),
            "break_glass_pending": sum(c.pending for c in r.break_glass),
        },
        "decisions": [
            {
                "period": c.period,
                "sector": c.sector,
                "purpose": c.purpose,
                "action": c.action,
                "decision": c.decision,
                "count": c.count,
            }
            for c in r.decisions
        ],
        "decisions_by_holder": [
            {
                "period": c.period,
                "holder": c.holder,
                "sector": c.sector,
                "purpose": c.purpose,
                "action": c.action,
                "decision": c.decision,
                "count": c.count,
            }
            for c in r.decisions_by_holder
        ],
        "enforcement": [
            {
                "index": e.index,
                "time": e.time,
                "requester": e.requester,
                "sector": e.sector,
                "role": e.role,
                "action": e.action,
                "purpose": e.purpose,
                "holder": e.holder,
                "requested": list(e.requested),
                "released": list(e.released),
                "decision": e.decision,
                "rules": list(e.rules),
            }
            for e in r.enforcement
        ],
        "break_glass": [
            {
                "period": c.period,
                "requester": c.requester,
                "holder": c.holder,
                "uses": c.uses,
                "reviewed": c.reviewed,
                "justified": c.justified,
                "unjustified": c.unjustified,
                "pending": c.pending,
            }
            for c in r.break_glass
        ],
        "policy_history": [
            {
                "index": p.index,
                "time": p.time,
                "kind": p.kind,
                "policy": p.policy,
                "previous": p.previous,
                "agreement": p.agreement,
                "source": p.source,
                "recipient": p.recipient,
                "invariants": list(p.invariants),
            }
            for p in r.policy_history
        ],
        "activity": [
            {"period": c.period, "indicator": c.indicator, "detail": c.detail, "count": c.count}
            for c in r.activity
        ],
    }


# -- CSV -------------------------------------------------------------------------------------


def _period(label: str) -> Row:
    start, end = period_bounds(label)
    return {"period": label, "period_start": start, "period_end": end}


def _rows(r: TransparencyReport) -> Iterator[Row]:
    report = "report"
    yield {"section": report, "indicator": "format", "detail": REPORT_FORMAT}
    yield {"section": report, "indicator": "scope", "detail": r.org or "deployment"}
    if r.org_sector is not None:
        yield {"section": report, "indicator": "scope_sector", "detail": r.org_sector}
    yield {"section": report, "indicator": "period", "detail": r.period}
    yield {"section": report, "indicator": "tree_size", "value": r.size}
    yield {"section": report, "indicator": "root", "detail": _b64(r.root)}
    yield {"section": report, "indicator": "registry", "policy": r.registry}
    if r.checkpoint is not None:
        cp = r.checkpoint
        yield {"section": report, "indicator": "checkpoint_size", "value": cp.size}
        yield {"section": report, "indicator": "checkpoint_origin", "detail": cp.origin}
        yield {"section": report, "indicator": "checkpoint_root", "detail": _b64(cp.root)}
        yield {"section": report, "indicator": "checkpoint_sha256", "detail": cp.sha256}
    for c in r.decisions:
        yield {
            "section": "decisions",
            **_period(c.period),
            "indicator": "requests",
            "sector": c.sector,
            "action": c.action,
            "purpose": c.purpose,
            "decision": c.decision,
            "value": c.count,
        }
    for h in r.decisions_by_holder:
        yield {
            "section": "decisions_by_holder",
            **_period(h.period),
            "indicator": "requests",
            "sector": h.sector,
            "holder": h.holder,
            "action": h.action,
            "purpose": h.purpose,
            "decision": h.decision,
            "value": h.count,
        }
    for e in r.enforcement:
        yield {
            "section": "enforcement",
            "time": e.time,
            "log_index": e.index,
            "indicator": "request",
            "requester": e.requester,
            "sector": e.sector,
            "holder": e.holder,
            "action": e.action,
            "purpose": e.purpose,
            "categories": " ".join(e.requested),
            "decision": e.decision,
            "rules": " ".join(e.rules),
            "value": 1,
        }
    for b in r.break_glass:
        where = {"requester": b.requester, "holder": b.holder, **_period(b.period)}
        for indicator, value in (
            ("break_glass.uses", b.uses),
            ("break_glass.reviewed", b.reviewed),
            ("break_glass.justified", b.justified),
            ("break_glass.unjustified", b.unjustified),
            ("break_glass.pending", b.pending),
        ):
            yield {"section": "break_glass", "indicator": indicator, **where, "value": value}
    for p in r.policy_history:
        yield {
            "section": "policy_history",
            "time": p.time,
            "log_index": p.index,
            "indicator": p.kind,
            "holder": p.source,
            "recipient": p.recipient,
            "rules": " ".join(p.invariants),
            "policy": p.policy,
            "previous": p.previous,
            "agreement": p.agreement,
            "value": 1,
        }
    for a in r.activity:
        yield {
            "section": "activity",
            **_period(a.period),
            "indicator": a.indicator,
            "detail": a.detail,
            "value": a.count,
        }


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = str(value)
    # Log fields start with a letter or digit; this keeps a spreadsheet from ever reading a
    # cell as a formula should one not (CSV injection).
    return "'" + text if text.startswith(_FORMULA_START) else text


def report_csv(r: TransparencyReport) -> str:
    """The long CSV table of ``r`` (RFC 4180, CRLF line ends): a header row, the HXL
    hashtag row, then one row per count or listed entry."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([name for name, _ in CSV_COLUMNS])
    writer.writerow([tag for _, tag in CSV_COLUMNS])
    for row in _rows(r):
        writer.writerow([_cell(row.get(name)) for name, _ in CSV_COLUMNS])
    return out.getvalue()
