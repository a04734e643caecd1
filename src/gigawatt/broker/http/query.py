"""The query string: every parameter of the broker's API is sent at most once.

No operation of the broker takes a list in its query string, so a name that appears
twice (``?clause=a&clause=b``) is ambiguous: the framework would silently keep one of
the values. The broker refuses it with 400, as a repeated singleton header, naming
the parameter.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from gigawatt.broker.errors import MalformedRequestError

__all__ = ["refuse_repeated_parameters"]


def refuse_repeated_parameters(query_string: bytes) -> None:
    """Raise :class:`MalformedRequestError` (400) if a query parameter is repeated.

    Args:
        query_string: The raw query string of the request (ASGI ``scope["query_string"]``).

    Raises:
        MalformedRequestError: ``repeated_parameter`` naming the first repeated parameter.
    """
    seen: set[str] = set()
    text = query_string.decode("latin-1")
    for name, _value in parse_qsl(text, keep_blank_values=True):
        if name in seen:
            raise MalformedRequestError(
                "repeated_parameter",
                f"query parameter {name!r} is given more than once; send it once",
                name,
            )
        seen.add(name)
