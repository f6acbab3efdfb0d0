"""The tamper-evident audit log (等保 level 3): one append-only table, rows chained by HMAC.

Write with `jiceng.audit.services.record(...)`; check with `jiceng audit verify`.
"""
