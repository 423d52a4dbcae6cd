"""drafter: first drafts of AI job-resistance (AIJRI / JobZone) assessments, scored deterministically."""

__version__ = "0.1.0"
