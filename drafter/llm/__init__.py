"""LLM access: endpoints, the run log and cache, and one structured-call function over instructor + openai."""
