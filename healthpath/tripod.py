"""The TRIPOD+AI checklist's items: number, section and a short title (in the course's words).

Collins GS, Moons KGM, Dhiman P, et al. TRIPOD+AI statement: updated guidance for reporting
clinical prediction models that use regression or machine learning methods. BMJ 2024;385:e078378,
https://doi.org/10.1136/bmj-2023-078378; the checklist (27 items, 52 sub-items) is at
https://www.tripod-statement.org/. The titles below are short reminders; read the checklist for
each item's full wording. A project claims items in its ``project.toml`` (``[healthpath.tripod]``),
and ``./course check-project`` looks for the section it names, non-empty.
"""

from __future__ import annotations

# item -> (section, short title)
ITEMS: dict[str, tuple[str, str]] = {
    "1": ("Title", "Title: a prediction model, its target population and outcome"),
    "2": ("Abstract", "Abstract (the TRIPOD+AI for Abstracts checklist)"),
    "3a": ("Introduction", "Healthcare context and rationale, with existing models"),
    "3b": ("Introduction", "Target population, intended purpose in the care pathway, intended users"),
    "3c": ("Introduction", "Known health inequalities between sociodemographic groups"),
    "4": ("Introduction", "Objectives: development, evaluation or both"),
    "5a": ("Methods", "Data sources, rationale and representativeness"),
    "5b": ("Methods", "Dates of the data (accrual, end of follow-up)"),
    "6a": ("Methods", "Setting, number and location of centres"),
    "6b": ("Methods", "Eligibility criteria"),
    "6c": ("Methods", "Treatments received and how they were handled"),
    "7": ("Methods", "Data preparation and quality checking"),
    "8a": ("Methods", "Outcome: definition, time horizon, how and when assessed"),
    "8b": ("Methods", "Outcome assessors, when assessment is subjective"),
    "8c": ("Methods", "Blinding of outcome assessment"),
    "9a": ("Methods", "Choice and pre-selection of initial predictors"),
    "9b": ("Methods", "Predictors: definition, how and when measured"),
    "9c": ("Methods", "Predictor assessors, when measurement is subjective"),
    "10": ("Methods", "Sample size and its justification"),
    "11": ("Methods", "Missing data"),
    "12a": ("Methods", "How the data were used and partitioned"),
    "12b": ("Methods", "How predictors were handled (form, rescaling, transformation)"),
    "12c": ("Methods", "Model type, building steps, tuning and internal validation"),
    "12d": ("Methods", "Heterogeneity across clusters (hospitals, countries)"),
    "12e": ("Methods", "Performance measures and plots (discrimination, calibration, utility)"),
    "12f": ("Methods", "Model updating (e.g. recalibration)"),
    "12g": ("Methods", "How the model's predictions were calculated in the evaluation"),
    "13": ("Methods", "Class imbalance methods"),
    "14": ("Methods", "Fairness approaches"),
    "15": ("Methods", "Model output and how thresholds were chosen"),
    "16": ("Methods", "Differences between development and evaluation data"),
    "17": ("Methods", "Ethical approval and consent"),
    "18a": ("Open science", "Funding"),
    "18b": ("Open science", "Conflicts of interest"),
    "18c": ("Open science", "Protocol"),
    "18d": ("Open science", "Registration"),
    "18e": ("Open science", "Data sharing"),
    "18f": ("Open science", "Code sharing"),
    "19": ("Patient and public involvement", "Patient and public involvement"),
    "20a": ("Results", "Flow of participants, with and without the outcome"),
    "20b": ("Results", "Characteristics of participants, overall and per source"),
    "20c": ("Results", "Evaluation data compared with development data"),
    "21": ("Results", "Participants and outcome events in each analysis"),
    "22": ("Results", "The full model (formula, code, object, interface) and its access"),
    "23a": ("Results", "Performance with confidence intervals, including key subgroups"),
    "23b": ("Results", "Heterogeneity of performance across clusters"),
    "24": ("Results", "Results of model updating"),
    "25": ("Discussion", "Interpretation, including fairness"),
    "26": ("Discussion", "Limitations"),
    "27a": ("Discussion", "Handling poor quality or unavailable input data in use"),
    "27b": ("Discussion", "Users' interaction with the model and the expertise needed"),
    "27c": ("Discussion", "Next steps: applicability and generalisability"),
}
