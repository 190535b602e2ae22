"""Model cards: the nine sections of Mitchell et al. (2019), filled in from a notebook's results.

Mitchell M, Wu S, Zaldivar A, et al. Model Cards for Model Reporting. FAT* 2019,
https://doi.org/10.1145/3287560.3287596. Every project of modules 8 and 9 ends with one::

    card = model_card.ModelCard(name="Readmission risk at discharge", details=..., ...)
    card            # shown as Markdown in a notebook
    card.missing()  # the sections still empty
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

# field -> (heading, what the section answers), in the paper's order
SECTIONS = {
    "details": ("Model details", "Who built it, when, which version, which algorithm, trained how; "
                "the licence; where to send questions."),
    "intended_use": ("Intended use", "The users, the decision it supports and the setting; the uses "
                     "it is not for."),
    "factors": ("Factors", "The groups and conditions its performance may differ across (age, sex, "
                "ethnicity, site, device) and which were evaluated."),
    "metrics": ("Metrics", "The measures reported, the operating point and why it suits the clinical "
                "use, how uncertainty was estimated."),
    "evaluation_data": ("Evaluation data", "Which patients it was tested on, how they were kept apart "
                        "from training, and how they differ from the intended population."),
    "training_data": ("Training data", "Which patients it learned from, with the label's definition "
                      "and exclusions."),
    "quantitative_analyses": ("Quantitative analyses", "The results overall and per factor, with intervals."),
    "ethical_considerations": ("Ethical considerations", "Patient data used, risks of harm from each "
                               "kind of error, groups that could be disadvantaged."),
    "caveats_and_recommendations": ("Caveats and recommendations", "What is not known yet, what must be "
                                    "checked before use (external validation, recalibration, monitoring)."),
}


@dataclass
class ModelCard:
    """A model card: a name and the nine sections, each a text or a table (a DataFrame)."""

    name: str
    details: str = ""
    intended_use: str = ""
    factors: str = ""
    metrics: str = ""
    evaluation_data: str = ""
    training_data: str = ""
    quantitative_analyses: str | pd.DataFrame = ""
    ethical_considerations: str = ""
    caveats_and_recommendations: str = ""

    def missing(self) -> list[str]:
        """The headings of the sections left empty (a blank text or an empty table)."""
        return [heading for key, (heading, _) in SECTIONS.items() if _empty(getattr(self, key))]

    def to_markdown(self) -> str:
        """The card as Markdown: a title, then one heading per section (empty ones say so)."""
        parts = [f"# Model card: {self.name}"]
        for key, (heading, _) in SECTIONS.items():
            value = getattr(self, key)
            body = "*(not filled in)*" if _empty(value) else _text(value)
            parts.append(f"## {heading}\n\n{body}")
        return "\n\n".join(parts) + "\n"

    def _repr_markdown_(self) -> str:
        return self.to_markdown()


def template() -> str:
    """The empty card as Markdown, each section with the question it answers."""
    parts = ["# Model card: <the model's name>",
             "<!-- The sections of Mitchell et al. 2019 (https://doi.org/10.1145/3287560.3287596). Fill "
             "in every one; healthpath.model_card.missing_sections(text) names those still empty. -->"]
    parts += [f"## {heading}\n\n<!-- {question} -->" for heading, question in SECTIONS.values()]
    return "\n\n".join(parts) + "\n"


def missing_sections(markdown: str) -> list[str]:
    """The sections of a model card written in Markdown (a file from :func:`template`) that are
    absent or hold nothing but comments and whitespace."""
    found: dict[str, str] = {}
    # the text before the first section is the title
    for block in re.split(r"^## ", markdown, flags=re.MULTILINE)[1:]:
        heading, _, body = block.partition("\n")
        found[heading.strip().lower()] = re.sub(r"<!--.*?-->", "", body, flags=re.DOTALL)
    return [heading for heading, _ in SECTIONS.values() if not found.get(heading.lower(), "").strip()]


def _empty(value) -> bool:
    if isinstance(value, pd.DataFrame):
        return value.empty
    return not str(value).strip()


def _text(value) -> str:
    if isinstance(value, pd.DataFrame):
        return _table(value)
    return str(value).strip()


def _table(frame: pd.DataFrame) -> str:
    """A DataFrame as a Markdown table (numbers to 3 significant figures)."""
    cells = [[f"{v:.3g}" if isinstance(v, float) else str(v) for v in row]
             for row in frame.itertuples(index=False)]
    lines = ["| " + " | ".join(map(str, frame.columns)) + " |", "|" + " --- |" * frame.shape[1]]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in cells])
