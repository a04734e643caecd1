"""One store per database (:mod:`.postgresql`, :mod:`.sqlite`): all their SQL text.

Everything a placement sends, and the ledger's statements for drains, offer answers and
releases.
"""
