"""Helping the assessor review a draft: consensus and spread across samples, what to check first, where every
field came from, what the assessor changed (diff, audit trail, summary) and the portfolio of many drafts."""
