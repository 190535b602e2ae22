"""The model card: sections of Mitchell et al. (2019), rendering, empty-section detection and the
module 8 template file."""

from pathlib import Path

import pandas as pd
import pytest

from healthpath import model_card

MODULE_8 = Path(__file__).resolve().parent.parent / "modules" / "08-real-world-projects"
TEMPLATE = MODULE_8 / "model-card-template.md"
HEADINGS = [heading for heading, _ in model_card.SECTIONS.values()]


def full_card(**overrides) -> model_card.ModelCard:
    sections = {key: f"text of {key}" for key in model_card.SECTIONS} | overrides
    return model_card.ModelCard(name="Readmission risk", **sections)


def test_the_nine_sections_of_the_paper_in_its_order():
    assert HEADINGS == ["Model details", "Intended use", "Factors", "Metrics", "Evaluation data",
                        "Training data", "Quantitative analyses", "Ethical considerations",
                        "Caveats and recommendations"]


def test_a_full_card_misses_nothing_and_renders_every_section_in_order():
    text = full_card().to_markdown()
    assert full_card().missing() == []
    assert text.startswith("# Model card: Readmission risk\n")
    positions = [text.index(f"## {heading}\n\ntext of {key}")
                 for key, (heading, _) in model_card.SECTIONS.items()]
    assert positions == sorted(positions)
    assert full_card()._repr_markdown_() == text


@pytest.mark.parametrize("blank", ["", "   \n", pd.DataFrame()])
def test_blank_sections_are_named_and_marked(blank):
    text_blank = "" if isinstance(blank, pd.DataFrame) else blank
    card = full_card(metrics=text_blank, quantitative_analyses=blank)
    assert card.missing() == ["Metrics", "Quantitative analyses"]
    assert card.to_markdown().count("*(not filled in)*") == 2


def test_a_table_renders_as_markdown_with_three_significant_figures():
    table = pd.DataFrame({"group": ["women", "men"], "auc": [0.81234, 0.7], "n": [97, 206]})
    text = full_card(quantitative_analyses=table).to_markdown()
    assert "| group | auc | n |\n| --- | --- | --- |\n| women | 0.812 | 97 |\n| men | 0.7 | 206 |" in text


def test_the_template_file_is_the_package_template_and_is_all_missing():
    assert TEMPLATE.read_text(encoding="utf-8") == model_card.template()
    assert model_card.missing_sections(model_card.template()) == HEADINGS


def test_missing_sections_of_a_written_card():
    written = full_card().to_markdown()
    assert model_card.missing_sections(written) == []
    without_factors = written.replace("text of factors", "<!-- later -->")
    assert model_card.missing_sections(without_factors) == ["Factors"]
    assert model_card.missing_sections(written.replace("## Metrics", "## Scores")) == ["Metrics"]
