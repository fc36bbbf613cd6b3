"""The app wrapped so every request's body and response sizes are logged (bench only: BENCH_BODY_LOG=path)."""

from __future__ import annotations

import os

from portal import create_app


class _CountingInput:
    def __init__(self, stream, counter: list[int]):
        self._stream, self._counter = stream, counter

    def read(self, *args):
        data = self._stream.read(*args)
        self._counter[0] += len(data)
        return data

    def readline(self, *args):
        data = self._stream.readline(*args)
        self._counter[0] += len(data)
        return data

    def __iter__(self):
        for line in self._stream:
            self._counter[0] += len(line)
            yield line


class _CountedBody:
    def __init__(self, body, write):
        self._body, self._write, self.sent = body, write, 0

    def __iter__(self):
        for chunk in self._body:
            self.sent += len(chunk)
            yield chunk

    def close(self):
        if hasattr(self._body, "close"):
            self._body.close()
        self._write(self.sent)


def counting(app, log_path: str):
    """WSGI middleware: append "METHOD path bytes_read bytes_sent" for each request to ``log_path``."""

    def middleware(environ, start_response):
        received = [0]
        environ["wsgi.input"] = _CountingInput(environ["wsgi.input"], received)
        line = f"{environ['REQUEST_METHOD']} {environ.get('PATH_INFO', '')}"

        def write(sent: int) -> None:
            with open(log_path, "a") as log:
                log.write(f"{line} {received[0]} {sent}\n")

        body = app(environ, start_response)
        wrapper = environ.get("wsgi.file_wrapper")
        if isinstance(wrapper, type) and isinstance(body, wrapper):
            write(-1)  # left unwrapped, so the server can still sendfile() it (sent bytes not counted)
            return body
        return _CountedBody(body, write)

    return middleware


app = create_app()
if os.environ.get("BENCH_BODY_LOG"):
    app.wsgi_app = counting(app.wsgi_app, os.environ["BENCH_BODY_LOG"])
