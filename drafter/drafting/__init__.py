"""Drafting: O*NET tasks -> prompts -> LLM (or the offline default) -> validated sections -> assessment."""
