"""Checks (印证对比 · 跟踪监控 · 专项核查): the rules that find wrong payments, and where they run."""
