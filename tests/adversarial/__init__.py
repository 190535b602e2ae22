"""Adversarial submissions against the grading sandbox."""
