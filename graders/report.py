"""A per-assignment HTML report for instructors: scores, pass rates and the checks most often failed.

Grades come from the gradebook; the reasons (failed checks, malformed submissions) from the grading
records that ``healthpath grade`` keeps. Plots are embedded as base64 PNG, so the report is one file.
"""

from __future__ import annotations

import base64
import html
import io
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from nbgrader.api import Gradebook, MissingEntry  # noqa: E402

from graders.autograde import Record, load_records  # noqa: E402
from graders.course import Course, CourseError  # noqa: E402
from graders.verdict import FAILED  # noqa: E402

# Okabe-Ito colours (readable with every common colour-vision deficiency).
BLUE, ORANGE, GREEN = "#0072B2", "#E69F00", "#009E73"
HIDDEN = re.compile(rf"^{FAILED}: hidden check '(?P<key>.*?)': (?P<reason>.*)$")


@dataclass
class Row:
    """One student's submission: total, per-test scores and why marks were lost."""

    student: str
    score: float
    max_score: float
    seconds_late: float
    tests: dict[str, tuple[float, float]]  # autograded test cell -> (score, max)
    needs_manual: int
    record: Record | None


def gather(course: Course, assignment: str) -> list[Row]:
    """Every submission of ``assignment`` in the gradebook, with its grading record."""
    records = {record.student: record for record in load_records(course, assignment)}
    rows = []
    with Gradebook(course.db_url, course.coursedir().course_id) as gradebook:
        try:
            submissions = gradebook.find_assignment(assignment).submissions
        except MissingEntry:
            raise CourseError(f"{assignment} is not in the gradebook: release and grade it first") from None
        for submission in sorted(submissions, key=lambda s: s.student.id):
            grades = [grade for notebook in submission.notebooks for grade in notebook.grades]
            tests = {f"{grade.notebook.name}/{grade.name}" if len(submission.notebooks) > 1 else grade.name:
                     (float(grade.score), float(grade.max_score))
                     for grade in grades if grade.cell.cell_type == "code"}
            rows.append(Row(submission.student.id, float(submission.score), float(submission.max_score),
                            float(submission.total_seconds_late), tests,
                            sum(bool(grade.needs_manual_grade) for grade in grades),
                            records.get(submission.student.id)))
    return rows


def failure_counts(rows: list[Row]) -> Counter:
    """How many submissions failed each hidden check (by key) or raised each error (by test cell)."""
    counts: Counter = Counter()
    for row in rows:
        for cell, reason in (row.record.failed if row.record else {}).items():
            match = HIDDEN.match(reason)
            counts[f"check '{match['key']}'" if match else f"{cell}: {reason.split(':')[0]}"] += 1
    return counts


def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _score_plot(rows: list[Row], assignment: str) -> str:
    fig, ax = plt.subplots(figsize=(6, 3.2))
    maximum = max((row.max_score for row in rows), default=1.0) or 1.0
    bins = [x - 0.5 for x in range(int(maximum) + 2)] if maximum <= 30 else 20
    ax.hist([row.score for row in rows], bins=bins, color=BLUE, edgecolor="white")
    ax.set_title(f"{assignment}: distribution of scores (n={len(rows)})")
    ax.set_xlabel(f"score (points, out of {maximum:g})")
    ax.set_ylabel("submissions")
    return _png(fig)


def _pass_plot(rows: list[Row], assignment: str) -> str:
    tests = sorted({name for row in rows for name in row.tests})
    rates = [100 * sum(row.tests.get(name, (0, 1))[0] >= row.tests.get(name, (0, 1))[1] > 0 for row in rows)
             / max(len(rows), 1) for name in tests]
    fig, ax = plt.subplots(figsize=(6, 0.45 * len(tests) + 1.2))
    ax.barh(tests, rates, color=GREEN)
    ax.set_xlim(0, 100)
    ax.invert_yaxis()
    ax.set_title(f"{assignment}: pass rate per exercise")
    ax.set_xlabel("submissions with full marks (%)")
    ax.set_ylabel("test cell")
    return _png(fig)


def _failure_plot(counts: Counter, assignment: str) -> str:
    common = counts.most_common(10)
    fig, ax = plt.subplots(figsize=(7, 0.45 * max(len(common), 1) + 1.2))
    ax.barh([name for name, _ in common], [n for _, n in common], color=ORANGE)
    ax.invert_yaxis()
    ax.set_title(f"{assignment}: checks and errors most often failed")
    ax.set_xlabel("submissions")
    ax.set_ylabel("hidden check or error")
    return _png(fig)


def render(course: Course, assignment: str, rows: list[Row]) -> str:
    """The report as one HTML page."""
    e = html.escape
    counts = failure_counts(rows)
    mean = sum(row.score for row in rows) / len(rows) if rows else 0.0
    images = [_score_plot(rows, assignment), _pass_plot(rows, assignment)]
    if counts:
        images.append(_failure_plot(counts, assignment))
    table = []
    for row in rows:
        failed = sorted(row.record.failed.items()) if row.record else []
        reasons = [*(row.record.notes if row.record else ["not graded by `healthpath grade`"]),
                   *(f"{cell}: {why}" for cell, why in failed)]
        late = f"{row.seconds_late / 3600:.1f} h" if row.seconds_late > 0 else ""
        items = "".join(f"<li>{e(reason)}</li>" for reason in reasons)
        table.append(
            f"<tr><td>{e(row.student)}</td><td>{row.score:g} / {row.max_score:g}</td><td>{late}</td>"
            f"<td>{row.needs_manual or ''}</td><td><ul>{items}</ul></td></tr>")
    failures = "".join(f"<tr><td>{e(name)}</td><td>{n}</td></tr>" for name, n in counts.most_common())
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{e(assignment)}: grading report</title>
<style>body{{font-family:sans-serif;max-width:70em;margin:2em auto}}
table{{border-collapse:collapse}}td,th{{border:1px solid #999;padding:.3em .6em;vertical-align:top}}
ul{{margin:0;padding-left:1.2em}}</style></head><body>
<h1>{e(assignment)}: grading report</h1>
<p>{len(rows)} submissions; mean score {mean:.2f}; course folder <code>{e(str(course.root))}</code>.
Answers graded by hand count once graded in the gradebook (column "to grade by hand").</p>
{''.join(f'<p><img alt="plot" src="data:image/png;base64,{image}"></p>' for image in images)}
<h2>Checks and errors most often failed</h2>
<table><tr><th>hidden check or error</th><th>submissions</th></tr>{failures}</table>
<h2>Submissions</h2>
<table><tr><th>student</th><th>score</th><th>late</th><th>to grade by hand</th>
<th>reasons (malformed submission, failed tests)</th></tr>{''.join(table)}</table>
</body></html>
"""


def write_report(course: Course, assignment: str, to: Path | None = None) -> Path:
    """Write the report of ``assignment`` (default: nbgrader_work/reports/<assignment>.html)."""
    course.require_assignment(assignment)
    rows = gather(course, assignment)
    if not rows:
        raise CourseError(f"no graded submission of {assignment}: run `healthpath grade {assignment}` first")
    path = Path(to) if to else course.work / "reports" / f"{assignment}.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(course, assignment, rows), encoding="utf-8")
    return path
