"""Evaluation: golden roles (human-scored) and, later, metrics and reports comparing drafts with them."""
