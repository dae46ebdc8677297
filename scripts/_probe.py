"""Does a server answer? scripts/test asks before it uses DATABASE_URL and REDIS_URL.

    python scripts/_probe.py postgres URL [NAME]   exit 0 when a PostgreSQL server answers at URL
    python scripts/_probe.py redis URL [NAME]      exit 0 when a Redis server answers at URL

A URL of another kind (a sqlite:/// DATABASE_URL left in the shell) is not probed: it is refused with
a note naming NAME (the variable it came from), and so is one that does not answer, so the caller
falls back to another server.
"""

import sys
from urllib.parse import urlsplit, urlunsplit

POSTGRES_SCHEMES = {"postgres", "postgresql"}
REDIS_SCHEMES = {"redis", "rediss", "unix"}


def shown(url: str) -> str:
    """The URL with its password hidden."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def postgres_answers(url: str) -> bool:
    import environ
    import psycopg2

    cfg = environ.Env.db_url_config(url)
    try:
        psycopg2.connect(
            dbname="postgres",  # the server's own database: the one in the URL may not exist yet
            user=cfg.get("USER") or "postgres",
            password=cfg.get("PASSWORD") or None,
            host=cfg.get("HOST") or "127.0.0.1",
            port=cfg.get("PORT") or 5432,
            connect_timeout=3,
        ).close()
    except psycopg2.Error:
        return False
    return True


def redis_answers(url: str) -> bool:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except (redis.RedisError, OSError):
        return False
    return True


KINDS = {
    "postgres": (POSTGRES_SCHEMES, "PostgreSQL", postgres_answers),
    "redis": (REDIS_SCHEMES, "Redis", redis_answers),
}


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3) or argv[0] not in KINDS:
        print(__doc__, file=sys.stderr)
        return 2
    kind, url, name = argv[0], argv[1], argv[2] if len(argv) == 3 else ""
    schemes, label, answers = KINDS[kind]
    if urlsplit(url).scheme not in schemes:
        print(f"ignoring {name + '=' if name else ''}{shown(url)} (not {label})", file=sys.stderr)
        return 1
    if answers(url):
        return 0
    if name:
        print(f"{name}={shown(url)} does not answer", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
