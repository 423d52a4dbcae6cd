"""The team's view over many roles: the portfolio table and page (``table``), the summary of what assessors
changed (``changes``), and the audit trail of accepted finals (``audit``).

Above ``drafter.review`` (the pure per-draft analysis these aggregate) and the document, store and labour
layers they read and write; below the CLI and batch, which call them.
"""
