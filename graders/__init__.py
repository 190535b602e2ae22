"""Instructor tooling: release, sandboxed autograding, feedback, grade reports and the course gate."""
