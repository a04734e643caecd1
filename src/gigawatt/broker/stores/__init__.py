"""One store per database: all the SQL a placement sends (:mod:`.postgresql`, :mod:`.sqlite`)."""
