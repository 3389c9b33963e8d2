"""Writing a release: JSON, CSV with HXL hashtags, and charts (PNG and SVG).

The CSV is long: one line per cell and margin, with the HXL hashtag row under the header
(the Humanitarian Exchange Language convention, hxlstandard.org), so humanitarian tools can
read it without a mapping. Hashtags used: ``#org+code`` (service), ``#date+period``,
``#indicator+type`` (case type), ``#adm1+name`` (region), ``#meta+sex`` and ``#meta+age``
(HXL has no core hashtag for a sex or age column in long form; its usual sex and age
attributes belong to wide tables), ``#reached`` or ``#indicator+reports`` (the count), and
``#status`` (``published``, ``suppressed`` or ``noisy``). A suppressed value is an empty
cell, never a zero.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Final

from confide.stats.release import PublishedCounts, Release
from confide.stats.spec import NOT_STATED

__all__ = ["HXL_TAGS", "chart", "table_csv", "write_release"]

HXL_TAGS: Final = {
    "service": "#org+code",
    "period": "#date+period",
    "case_type": "#indicator+type",
    "region": "#adm1+name",
    "sex_gender": "#meta+sex",
    "age_band": "#meta+age",
}
TOTAL: Final = "total"


def table_csv(release: Release, table: PublishedCounts) -> str:
    """One table as CSV: header, HXL row, then every cell, row total, column total, total."""
    noisy = release.spec.protection.method == "dp"
    count_tag = "#reached" if release.spec.source == "records" else "#indicator+reports"
    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\n")
    header = [table.rows] + ([table.columns] if table.columns else []) + ["count", "status"]
    tags = [HXL_TAGS[table.rows]]
    if table.columns:
        tags.append(HXL_TAGS[table.columns])
    out.writerow(header)
    out.writerow([*tags, count_tag, "#status"])

    def line(keys: list[str], value: int | None) -> None:
        status = "suppressed" if value is None else "noisy" if noisy else "published"
        out.writerow([*keys, "" if value is None else value, status])

    cols = table.column_keys or ("",)
    for i, row_key in enumerate(table.row_keys):
        for j, col_key in enumerate(cols):
            line([row_key, col_key] if table.columns else [row_key], table.cells[i][j])
        if table.columns:
            line([row_key, TOTAL], table.row_totals[i])
    if table.columns:
        for j, col_key in enumerate(cols):
            line([TOTAL, col_key], table.column_totals[j])
        line([TOTAL, TOTAL], table.grand_total)
    else:
        line([TOTAL], table.grand_total)
    return buffer.getvalue()


def chart(release: Release, table: PublishedCounts, fmt: str) -> bytes:
    """A bar chart of the table (grouped by column), suppressed values marked, as PNG or SVG."""
    import matplotlib  # noqa: PLC0415 - only a release that draws pays for it

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    cols = table.column_keys or ("count",)
    rows = [k.replace("_", " ") if k != NOT_STATED else "not stated" for k in table.row_keys]
    fig, ax = plt.subplots(figsize=(max(6.0, 0.6 * len(rows) * max(1, len(cols)) / 2), 4.2))
    width = 0.8 / len(cols)
    palette = ["#1b6ca8", "#e07a1f", "#3a9a5b", "#8a4fb0", "#c23b5a", "#5a6570", "#b8a000"]
    for j, col in enumerate(cols):
        xs = [i + (j - (len(cols) - 1) / 2) * width for i in range(len(rows))]
        values = [table.cells[i][j] for i in range(len(rows))]
        heights = [v if v is not None else 0 for v in values]
        bars = ax.bar(
            xs,
            heights,
            width,
            label=col.replace("_", " ") if table.columns else None,
            color=palette[j % len(palette)],
        )
        for bar, value in zip(bars, values, strict=True):
            if value is None:
                ax.annotate(
                    "·",
                    (bar.get_x() + bar.get_width() / 2, 0),
                    ha="center",
                    va="bottom",
                    fontsize=14,
                    color="#555555",
                )
    ax.set_xticks(range(len(rows)), rows, rotation=30 if len(rows) > 6 else 0, ha="right")
    ax.set_ylabel("people" if release.spec.source == "records" else "reports")
    ax.set_title(table.title, loc="left", fontsize=11)
    ax.spines[["top", "right"]].set_visible(False)
    if table.columns:
        ax.legend(frameon=False, fontsize=8, title=table.columns.replace("_", " "))
    method = release.spec.protection
    note = (
        f"Cells under {method.k} and their complements are suppressed (·)."
        if method.method == "suppression"
        else f"Differentially private counts, ε = {release.epsilon:g} for the release."
    )
    fig.text(0.01, 0.01, note, fontsize=7, color="#444444")
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    buffer = io.BytesIO()
    metadata: dict[str, Any] = {"Date": None} if fmt == "svg" else {"Software": "Confide"}
    fig.savefig(buffer, format=fmt, dpi=150, metadata=metadata)
    plt.close(fig)
    return buffer.getvalue()


def _write(path: Path, data: bytes) -> None:
    """Write atomically: a reader never sees half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_release(release: Release, out: Path, *, charts: bool = True) -> list[Path]:
    """Write the release into ``out``: ``release.json``, and per table ``<name>.csv`` and
    (with ``charts``) ``<name>.png`` and ``<name>.svg``. Returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    document = release.to_json()
    document["output"] = release.output_hash
    written: list[Path] = []
    target = out / "release.json"
    _write(target, (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    written.append(target)
    for table in release.tables:
        target = out / f"{table.name}.csv"
        _write(target, table_csv(release, table).encode("utf-8"))
        written.append(target)
        if charts:
            for fmt in ("png", "svg"):
                target = out / f"{table.name}.{fmt}"
                _write(target, chart(release, table, fmt))
                written.append(target)
    return written
