"""Synthetic physiological signals with known ground truth: bedside vital signs."""

DATASETS = []
