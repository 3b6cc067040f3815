from __future__ import annotations

import re
from typing import Any

from django.test import Client

from xinfang.testing.factories import id_number

NONCE = re.compile(r'name="nonce" value="([^"]+)"')


def nonce(client: Client) -> str:
    page = client.get("/portal/submit/")
    match = NONCE.search(page.content.decode())
    assert match, "the submit form carries a one-time nonce"
    return match.group(1)


def form_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "王小明",
        "id_number": id_number(77),
        "phone": "13800138077",
        "address": "深圳市南山区南头街道1号",
        "matter_type": "petition",
        "region_code": "440305",
        "title": "小区门口道路积水严重",
        "request": "请求尽快疏通排水管道",
        "facts": "每逢下雨小区门口积水超过20厘米，已持续半年",
        "reasons": "影响居民出行安全",
        "consent": "on",
        "website": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def submit(client: Client, **overrides: Any):
    """Fill a fresh form and send it; a success answers with a redirect to the 登记回执, which is followed
    (the answer is the receipt page; ``redirect_chain`` shows the way)."""
    data = form_data(**overrides)
    data.setdefault("nonce", nonce(client))
    return client.post("/portal/submit/", data, follow=True)


NUMBER = re.compile(r'id="matter-number">([^<]+)<')
CODE = re.compile(r'id="query-code">([^<]+)<')


def ticket(response) -> tuple[str, str]:
    body = response.content.decode()
    number, code = NUMBER.search(body), CODE.search(body)
    assert number and code, body[:2000]
    return number.group(1), code.group(1)
