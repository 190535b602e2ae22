"""Synthetic health datasets with known ground truth, generated deterministically from a seed."""
