"""Serving a crew safely behind the LangGraph server: auth, tenant isolation, rate limits, audit,
metrics and alerts. ``auth.py`` is the ``langgraph.json`` ``auth`` handler, ``app.py`` its ``http.app``.
"""
