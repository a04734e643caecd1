"""What the broker reads from an HTTP request, in one place for every code path.

The placement route and its ASGI shortcut
(:class:`~gigawatt.broker.http.placement.PlacementFastPath`) read a request through
the same functions, so that the two can never disagree on what a request says:

* :mod:`~gigawatt.broker.http.headers`: the singleton headers (``Authorization``,
  ``Idempotency-Key``, ``Content-Type``, ``Content-Length``), a repeated one refused
  with 400, and the bearer token and idempotency key they carry;
* :mod:`~gigawatt.broker.http.body`: a JSON body into a strict model (no coercion of
  strings or booleans into numbers), every failure a 422 naming the field;
* :mod:`~gigawatt.broker.http.placement`: a placement body checked against the scenario
  and the clock, turned into a :class:`~gigawatt.broker.decide.Request`.
"""
