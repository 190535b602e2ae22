"""A per-assignment HTML report for instructors: scores, each exercise's outcomes, the checks most
often failed, the points awaiting hand grading and the submissions someone should check.

Grades come from the gradebook; the reasons (failed checks, malformed submissions, flags) from the
grading records that ``healthpath grade`` keeps. The page is ``templates/report.html.j2``; plots are
embedded as base64 PNG, so the report is one file.
"""

from __future__ import annotations

import base64
import io
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from jinja2 import Environment, PackageLoader, select_autoescape  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402
from nbgrader.api import Grade, Gradebook, MissingEntry  # noqa: E402

from graders.autograde import Record, load_records  # noqa: E402
from graders.course import Course, CourseError  # noqa: E402
from graders.hand_grading import points_awaiting  # noqa: E402
from graders.verdict import FAILED  # noqa: E402

HIDDEN = re.compile(rf"^{FAILED}: hidden check '(?P<key>.*?)': (?P<reason>.*)$")
UNANSWERED_ERROR = "NotImplementedError"  # what the release's stubs raise

# What became of one graded cell of one submission, with its colour (Okabe-Ito, readable with every
# common colour-vision deficiency; grey for no notebook).
OUTCOMES = {
    "full marks": "#009E73",
    "wrong": "#D55E00",
    "unanswered": "#F0E442",
    "awaiting hand grading": "#56B4E9",
    "no gradable notebook": "#999999",
}
SCORES_COLOUR, FAILURES_COLOUR = "#0072B2", "#E69F00"


@dataclass
class Row:
    """One student's submission: total, what became of each graded cell, and why marks were lost."""

    student: str
    score: float
    max_score: float
    seconds_late: float
    outcomes: dict[str, str]  # graded cell -> one of OUTCOMES
    awaiting: float  # points awaiting hand grading
    record: Record | None

    @property
    def unanswered(self) -> list[str]:
        """The graded cells left unanswered, in their order."""
        return [cell for cell, what in self.outcomes.items() if what == "unanswered"]


def natural_key(name: str) -> list:
    """Sort key putting ``ex2`` before ``ex10``."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def outcome(grade: Grade, reason: str | None, answers: set[str], gradable: bool) -> str:
    """What became of one graded cell: ``reason`` is why its test failed (from the grading record),
    ``answers`` the names of the cells that hold learners' answers (solution cells and tasks),
    ``gradable`` whether the submission's notebook could be graded at all."""
    if grade.needs_manual_grade:
        return "awaiting hand grading"
    if grade.score >= grade.max_score:
        return "full marks"
    if not gradable:
        return "no gradable notebook"
    if grade.name in answers:
        # nbgrader gives an answer cell 0 automatically only when it is unchanged from the release
        return "unanswered" if grade.auto_score == 0 and grade.manual_score is None else "wrong"
    return "unanswered" if (reason or "").startswith(UNANSWERED_ERROR) else "wrong"


def gather(course: Course, assignment: str) -> list[Row]:
    """Every submission of ``assignment`` in the gradebook, with its grading record."""
    records = {record.student: record for record in load_records(course, assignment)}
    autograded = course.directory("autograded")
    rows = []
    with Gradebook(course.db_url, course.coursedir().course_id) as gradebook:
        try:
            submissions = gradebook.find_assignment(assignment).submissions
        except MissingEntry:
            raise CourseError(f"{assignment} is not in the gradebook: release and grade it first") from None
        for submission in sorted(submissions, key=lambda s: s.student.id):
            student = submission.student.id
            failed = records[student].failed if student in records else {}
            outcomes = {}
            for notebook in submission.notebooks:
                source = notebook.notebook
                answers = {cell.name for cell in [*source.solution_cells, *source.task_cells]}
                gradable = (autograded / student / assignment / f"{notebook.name}.ipynb").exists()
                for grade in notebook.grades:
                    label = f"{notebook.name}/{grade.name}" if len(submission.notebooks) > 1 else grade.name
                    outcomes[label] = outcome(grade, failed.get(grade.name), answers, gradable)
            outcomes = {cell: outcomes[cell] for cell in sorted(outcomes, key=natural_key)}
            rows.append(Row(student, float(submission.score), float(submission.max_score),
                            float(submission.total_seconds_late), outcomes, points_awaiting(submission),
                            records.get(student)))
    return rows


def failure_counts(rows: list[Row]) -> Counter:
    """How many submissions failed each hidden check (by key) or raised each error (by test cell);
    an exercise left unanswered (its stub's NotImplementedError) is not a failure."""
    counts: Counter = Counter()
    for row in rows:
        for cell, reason in (row.record.failed if row.record else {}).items():
            if reason.startswith(UNANSWERED_ERROR):
                continue
            match = HIDDEN.match(reason)
            counts[f"check '{match['key']}'" if match else f"{cell}: {reason.split(':')[0]}"] += 1
    return counts


def _png(fig: Figure) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def score_figure(rows: list[Row], assignment: str) -> Figure:
    """The distribution of scores."""
    fig, ax = plt.subplots(figsize=(6, 3.2))
    maximum = max((row.max_score for row in rows), default=1.0) or 1.0
    bins = [x - 0.5 for x in range(int(maximum) + 2)] if maximum <= 30 else 20
    ax.hist([row.score for row in rows], bins=bins, color=SCORES_COLOUR, edgecolor="white")
    ax.set_title(f"{assignment}: distribution of scores (n={len(rows)})")
    ax.set_xlabel(f"score (points, out of {maximum:g})")
    ax.set_ylabel("submissions")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    return fig


def outcome_figure(rows: list[Row], assignment: str) -> Figure:
    """How many submissions had each outcome, per graded cell (ex2 before ex10)."""
    cells = sorted({cell for row in rows for cell in row.outcomes}, key=natural_key)
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(cells) + 1.6))
    left = [0] * len(cells)
    for name, colour in OUTCOMES.items():
        counts = [sum(row.outcomes.get(cell) == name for row in rows) for cell in cells]
        if any(counts):
            ax.barh(cells, counts, left=left, color=colour, edgecolor="white", label=name)
            left = [a + b for a, b in zip(left, counts)]
    ax.invert_yaxis()
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(f"{assignment}: what became of each exercise")
    ax.set_xlabel("submissions")
    ax.set_ylabel("graded cell")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3, frameon=False)
    return fig


def failure_figure(counts: Counter, assignment: str) -> Figure:
    """The ten hidden checks and errors most often failed."""
    common = counts.most_common(10)
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(common) + 1.2))
    ax.barh([name for name, _ in common], [n for _, n in common], color=FAILURES_COLOUR)
    ax.invert_yaxis()
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(f"{assignment}: checks and errors most often failed")
    ax.set_xlabel("submissions")
    ax.set_ylabel("hidden check or error")
    return fig


def render(course: Course, assignment: str, rows: list[Row]) -> str:
    """The report as one HTML page."""
    counts = failure_counts(rows)
    figures = [score_figure(rows, assignment), outcome_figure(rows, assignment)]
    if counts:
        figures.append(failure_figure(counts, assignment))
    environment = Environment(loader=PackageLoader("graders"), autoescape=select_autoescape(),
                              trim_blocks=True, lstrip_blocks=True)
    return environment.get_template("report.html.j2").render(
        assignment=assignment, course_root=course.root, rows=rows, plots=[_png(fig) for fig in figures],
        failures=counts.most_common(), mean=sum(row.score for row in rows) / len(rows),
        awaiting=sum(row.awaiting for row in rows),
        flagged=[row for row in rows if row.record and row.record.flags])


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
