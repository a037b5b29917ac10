"""Django's PostgreSQL backend, with a health check that costs no round trip.

Connections are kept between requests and tasks (CONN_MAX_AGE) and checked before each one is
used again (CONN_HEALTH_CHECKS). Django checks with `SELECT 1`: a round trip to the server on
every request and every task, a fifth of a push's trips. This check looks at the connection
itself: libpq's state, and whether the socket has something to read. An idle connection has
nothing to read; a readable one was closed by the server, or holds its notice that it is
ending the session (a restart, a failover, `pg_terminate_backend`), and is replaced before
use. A connection that breaks without a word (a network cut) fails at its next statement with
either check, since `SELECT 1` then waits for the same network.
"""

import select

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        status = connection.info.transaction_status
        if status in (pq.TransactionStatus.INERROR, pq.TransactionStatus.UNKNOWN):
            return False  # (where `SELECT 1` fails too)
        poller = select.poll()  # (not select.select: a worker's descriptors pass 1024)
        try:
            poller.register(connection.fileno(), select.POLLIN)
            return not poller.poll(0)
        except (OSError, ValueError):
            return False
