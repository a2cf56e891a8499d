from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import Field

from ...errors import BlockError
from ...imaging import open_image
from ...net import request
from ...values import to_json
from ..base import Block, BlockConfig, Port

_SAFE = {"GET", "HEAD", "OPTIONS"}


def _decode(resp, kind: str, what: str, max_megapixels: float = 200) -> Any:
    text_like = resp.content_type.startswith("text/") or resp.content_type in (
        "application/xml", "application/javascript", "application/x-www-form-urlencoded")
    if kind == "auto":
        if resp.content_type == "application/json" or resp.content_type.endswith("+json"):
            kind = "json"
        elif resp.content_type.startswith("image/"):
            kind = "image"
        elif text_like or resp.encoding:
            kind = "text"
        else:
            kind = "bytes" if resp.body else "text"
    if kind == "bytes":
        return resp.body
    if kind == "image":
        return open_image(resp.body, max_megapixels=max_megapixels)
    text = resp.body.decode(resp.encoding or "utf-8", errors="replace")
    if kind == "text":
        return text
    try:
        return json.loads(text) if text.strip() else None
    except ValueError as e:
        raise BlockError(f"{what}: the response is not JSON ({e}): {text[:200]!r}") from None


class HttpRequestBlock(Block):
    """Call an HTTP(S) endpoint; the response body is read as JSON, text, bytes or an image."""

    type = "http_request"
    portable = True
    acts_on_world = True  # a POST, PUT, PATCH or DELETE changes something elsewhere (live_safe: GET and HEAD run live)
    category = "network"
    keywords = ("http", "api", "rest", "web", "fetch", "download", "url", "get", "post", "request")
    inputs = (Port("url", "string"), Port("body", "any", required=False))
    outputs = (Port("status", "integer"), Port("body", "any"), Port("headers", "object"))

    class Config(BlockConfig):
        method: Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] = "GET"
        url: str = Field("", title="URL", description="http(s) address; may point at loopback or private networks")
        headers: dict[str, str] = Field(default_factory=dict)
        query: dict[str, str | int | float | bool] = Field(default_factory=dict)
        body: Any = Field(None, description="sent as body_type says; the body input overrides it")
        body_type: Literal["json", "text", "form"] = "json"
        response_type: Literal["auto", "json", "text", "bytes", "image"] = "auto"
        timeout_s: float = Field(30.0, gt=0, le=3600, title="Total timeout (s)", description="the whole exchange")
        connect_timeout_s: float = Field(10.0, gt=0, le=600, title="Connect timeout (s)")
        read_timeout_s: float = Field(30.0, gt=0, le=3600, title="Read timeout (s)",
                                      description="longest silence while reading")
        follow_redirects: bool = False
        max_response_mb: float = Field(50.0, gt=0, le=4096, title="Max response (MB)")
        fail_on_status: bool = Field(True, description="a 4xx/5xx answer fails the node (so retries apply)")

    @classmethod
    def live_safe(cls, config, *, user_code=False):
        """A GET or HEAD only reads (a method given by an expression is not known to): it runs in live preview."""
        return config.get("method", "GET") in ("GET", "HEAD")

    def cache_salt(self, ctx, inputs, config):
        # A GET is cached like any deterministic node (edit the node or clear the cache to fetch anew);
        # anything else may change the world, so it always runs.
        return "" if config.method in ("GET", "HEAD") else None

    async def run(self, ctx, inputs, config):
        url = str(config.url).strip()
        if not url:
            raise BlockError("no url given")
        what = f"{config.method} {url}"
        body: dict[str, Any] = {}
        if config.body is not None and config.method not in _SAFE:
            data = to_json(config.body)
            if config.body_type == "json":
                body["content"] = json.dumps(data, ensure_ascii=False).encode()
            elif config.body_type == "text":
                body["content"] = (data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)).encode()
            else:
                if not isinstance(data, dict):
                    raise BlockError(f"a form body needs an object, not {type(data).__name__}")
                body["data"] = {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in data.items()}
        headers = dict(config.headers)
        lower = {k.lower() for k in headers}
        if "content" in body and "content-type" not in lower:
            headers["Content-Type"] = "application/json" if config.body_type == "json" else "text/plain; charset=utf-8"
        query = {k: (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in config.query.items()}
        resp = await request(config.method, url, max_bytes=int(config.max_response_mb * 1024 * 1024),
                             headers=headers, params=query or None, content=body.get("content"),
                             connect_s=config.connect_timeout_s, read_s=config.read_timeout_s,
                             total_s=config.timeout_s, follow_redirects=config.follow_redirects,
                             **({"data": body["data"]} if "data" in body else {}))
        if config.fail_on_status and resp.status >= 400:
            excerpt = resp.body[:300].decode("utf-8", errors="replace")
            raise BlockError(f"{what} answered {resp.status} {resp.reason}" + (f": {excerpt}" if excerpt else ""))
        if not resp.body and config.response_type in ("auto", "json"):
            value = None
        else:
            value = await ctx.run_blocking(_decode, resp, config.response_type, what,
                                           ctx.policy.max_image_megapixels)
        return {"status": resp.status, "body": value, "headers": resp.headers}
