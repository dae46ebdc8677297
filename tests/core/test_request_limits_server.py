"""Request bodies are capped before they are read (issue 14, item 3; acceptance 3), measured on a real
gunicorn with the production settings: a 50 MB upload is answered 413 before its body is read and
nothing of it reaches the upload spool folder (FILE_UPLOAD_TEMP_DIR, pointed at a folder of the
test's own); a chunked body, whose size is unknown until it has been read, is refused with 411; a
body longer than its Content-Length gets no more than the length it claimed onto disk.

The uploads go to the sign-in form with a CSRF cookie, so that today's code reads the body (the CSRF
check parses it): the cap is global, before any view. A 3 MB control upload shows that the
measurement sees what Django spools."""

import select
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.celery_support import server_database_url
from tests.production_support import gunicorn_server, production_env

MB = 1024 * 1024
BOUNDARY = "portal-limit-test-boundary"
CSRF_COOKIE = "__Host-csrftoken=" + "a" * 32  # production's cookie name; any well-formed secret
PIECE = b"%PDF-1.4\n" + b"0" * (256 * 1024 - 9)


@pytest.fixture(scope="module")
def spool(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("upload-spool")


@pytest.fixture(scope="module")
def server(django_db_setup, tmp_path_factory, spool):
    folder = tmp_path_factory.mktemp("limits-server")
    env = production_env(folder / "staticfiles", server_database_url(), FILE_UPLOAD_TEMP_DIR=str(spool))
    with gunicorn_server(env, folder / "gunicorn.log") as port:
        yield port


@contextmanager
def peak_bytes_in(folder: Path) -> Iterator[list[int]]:
    """The largest total size of the files in ``folder`` seen while the block runs (polled every
    millisecond: Django deletes a spooled upload when the request ends)."""
    peak = [0]
    done = threading.Event()

    def poll():
        while not done.is_set():
            total = 0
            for entry in folder.iterdir():
                with suppress(FileNotFoundError):
                    total += entry.stat().st_size
            peak[0] = max(peak[0], total)
            time.sleep(0.001)

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    try:
        yield peak
    finally:
        time.sleep(0.05)
        done.set()
        watcher.join(5)


def multipart_file(size: int) -> tuple[int, Iterator[bytes]]:
    """A multipart body with one ``size``-byte PDF-looking file: its length and its pieces."""
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()

    def pieces():
        yield head
        left = size
        while left > 0:
            piece = PIECE[: min(left, len(PIECE))]
            left -= len(piece)
            yield piece
        yield tail

    return len(head) + size + len(tail), pieces()


def chunked(pieces: Iterable[bytes]) -> Iterator[bytes]:
    for piece in pieces:
        yield f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    yield b"0\r\n\r\n"


def post(port: int, headers: dict[str, str], body: Iterable[bytes]) -> tuple[int | None, bytes, int]:
    """POST to the sign-in URL over a raw socket. The server gets a second to answer the headers
    before the body is sent (as curl waits on ``Expect: 100-continue``); the body then streams until
    the server answers or closes. Returns the status (None when the server closed without one), the
    response and how many body bytes were sent."""
    lines = [f"POST {reverse('accounts:login')} HTTP/1.1", "Host: 127.0.0.1", f"Cookie: {CSRF_COOKIE}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        answered, _, _ = select.select([sock], [], [], 1.0)
        if not answered:
            try:
                for piece in body:
                    if select.select([sock], [], [], 0)[0]:
                        break  # the server answered (or closed) before reading everything
                    sock.sendall(piece)
                    sent += len(piece)
            except (BrokenPipeError, ConnectionResetError):
                pass
        response = b""
        try:
            while chunk := sock.recv(65536):
                response += chunk
        except (ConnectionResetError, TimeoutError):
            pass
    status = int(response.split(b" ", 2)[1]) if response.startswith(b"HTTP/1.") else None
    return status, response, sent


def test_a_50_mb_upload_is_answered_413_before_any_of_it_reaches_disk(server, spool):
    length, body = multipart_file(50 * MB)
    with peak_bytes_in(spool) as peak:
        status, response, sent = post(
            server,
            {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}", "Content-Length": str(length)},
            body,
        )
    print(f"50 MB with Content-Length: {status}, {sent} body bytes sent, {peak[0]} bytes spooled")
    assert status == 413
    assert b"too large" in response
    assert peak[0] < settings.MAX_REQUEST_BYTES
    assert peak[0] == 0
    assert sent < settings.MAX_REQUEST_BYTES


def test_a_50_mb_chunked_upload_is_refused_and_nothing_reaches_disk(server, spool):
    _, body = multipart_file(50 * MB)
    with peak_bytes_in(spool) as peak:
        status, response, sent = post(
            server,
            {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}", "Transfer-Encoding": "chunked"},
            chunked(body),
        )
    print(f"50 MB chunked: {status}, {sent} body bytes sent, {peak[0]} bytes spooled")
    assert status == 411
    assert b"Content-Length" in response
    assert peak[0] == 0


def test_a_body_longer_than_its_content_length_spools_no_more_than_it_claimed(server, spool):
    claimed = 5 * MB
    _, body = multipart_file(50 * MB)
    with peak_bytes_in(spool) as peak:
        status, _, sent = post(
            server,
            {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}", "Content-Length": str(claimed)},
            body,
        )
    print(f"50 MB claiming 5 MB: {status}, {sent} body bytes sent, {peak[0]} bytes spooled")
    assert 0 < peak[0] <= claimed < settings.MAX_REQUEST_BYTES
    assert status != 500


def test_the_measurement_sees_an_upload_under_the_cap_spooled_to_disk(server, spool):
    """The control: 3 MB (over FILE_UPLOAD_MAX_MEMORY_SIZE, under the cap) is read and spooled; the
    CSRF check then refuses the form (the test sends no token)."""
    length, body = multipart_file(3 * MB)
    with peak_bytes_in(spool) as peak:
        status, _, _ = post(
            server,
            {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}", "Content-Length": str(length)},
            body,
        )
    print(f"3 MB control: {status}, {peak[0]} bytes spooled")
    assert status == 403
    assert peak[0] >= 3 * MB
