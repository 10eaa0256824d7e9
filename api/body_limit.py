"""A cap on request bodies, enforced before anything parses them.

FastAPI reads a JSON or form body into memory before it resolves the dependencies that check the
caller, so without this anyone could make an API process hold a 200 MiB body just to hear 401.
A declared Content-Length over the cap is refused without reading a byte; a chunked body is
counted as it arrives and refused as soon as it passes the cap.
"""

from __future__ import annotations

from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class _TooLarge(Exception):
    """Raised into the application from ``receive`` to stop it reading; the 413 is already sent."""


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        received, started, refused = 0, False, False

        async def counted_receive() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    if not started:
                        await self._refuse(scope, receive, send)
                    refused = True
                    raise _TooLarge
            return message

        async def guarded_send(message: Message) -> None:
            # after the 413, whatever the application makes of the aborted read (FastAPI turns it
            # into a 400) must not reach the client
            nonlocal started
            if refused:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:
            if not refused:
                raise

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = PlainTextResponse(
            f"Request body too large: at most {self.max_bytes} bytes are accepted.\n",
            status_code=413,
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)
