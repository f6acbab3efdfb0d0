"""The REST API under /api/ (Django Ninja): thin endpoints over the apps' services and selectors.

Each app keeps its router in `<app>/api.py`; `jiceng.api.api` mounts them with one auth policy
(bearer token or session + CSRF) and one error format (`jiceng.api.errors`).
"""
