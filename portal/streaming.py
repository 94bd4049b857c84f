"""Streaming responses that stay streamed under ASGI (uvicorn), for downloads of any size."""

from collections.abc import AsyncIterator, Callable, Iterable

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import StreamingHttpResponse

__all__ = ["streaming_response"]


async def _async_chunks(chunks: Iterable[bytes], close: Callable[[], None] | None) -> AsyncIterator[bytes]:
    """Under ASGI Django would read a plain iterator to the end into memory before sending a byte; pull
    chunk by chunk instead, in the request's own thread so a server-side cursor keeps its connection."""
    iterator = iter(chunks)
    pull = sync_to_async(next, thread_sensitive=True)
    try:
        while (chunk := await pull(iterator, None)) is not None:
            yield chunk
    finally:
        if close is not None:
            await sync_to_async(close, thread_sensitive=True)()


def streaming_response(request, chunks: Iterable[bytes], *, close: Callable[[], None] | None = None,
                       **kwargs) -> StreamingHttpResponse:
    body = _async_chunks(chunks, close) if isinstance(request, ASGIRequest) else chunks
    return StreamingHttpResponse(body, **kwargs)
