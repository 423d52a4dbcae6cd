"""The review page (``drafter review serve``): a local web application where an assessor edits a draft, sees it
re-scored live by the library, saves the final pair through the protected writer and accepts it into the audit
trail. ``edit`` and ``view`` are pure; ``workspace`` owns the two folders; ``app`` is the Starlette application;
``serve`` runs it under uvicorn. docs/review.md, "The review page"."""
