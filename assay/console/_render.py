"""Pages from templates: one jinja2 environment, escaping everything it is given.

Templates get the label function ``t`` for the request's language, the mount point
``base`` (links work under Airflow's prefix as well as at ``/``), the user and the CSRF
token that user's forms must carry.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse

from assay.console._auth import subject
from assay.console._charts import trend
from assay.console._i18n import LANG_COOKIE, language, translator
from assay.console._users import User

ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _percent(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f}%"


def _hexdump(data: bytes | None, width: int = 16) -> str:
    if data is None:
        return ""
    lines = []
    for at in range(0, len(data), width):
        chunk = data[at : at + width]
        text = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        lines.append(f"{at:08x}  {chunk.hex(' '):<{width * 3}} {text}")
    return "\n".join(lines)


def _escaped(data: bytes | None, limit: int | None = None) -> str:
    """Bytes as Python would spell them: control and non-UTF-8 bytes as escapes."""
    if data is None:
        return ""
    text = data[:limit].decode("utf-8", errors="backslashreplace")
    return "".join(c if c.isprintable() or c in "\n" else repr(c)[1:-1] for c in text)


def _age(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    seconds = int((datetime.now(UTC) - moment).total_seconds())
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if abs(seconds) >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


ENV.filters.update(percent=_percent, hexdump=_hexdump, escaped=_escaped, age=_age, trend=trend)


def base_of(request: Request) -> str:
    """Where the console is mounted ("" standalone, Airflow's prefix inside it)."""
    return str(request.scope.get("root_path", ""))


def render(request: Request, template: str, user: User | None, **context: Any) -> HTMLResponse:
    """A page in the request's language; ``?lang=`` is remembered in a cookie."""
    lang = language(request)
    state = request.app.state.console
    query = dict(request.query_params)

    def with_lang(code: str) -> str:
        return "?" + urlencode({**query, "lang": code})

    page = ENV.get_template(template).render(
        t=translator(lang),
        lang=lang,
        base=base_of(request),
        user=user,
        csrf=state.sessions.csrf_token(subject(user)) if user else "",
        standalone=state.login_url is None,
        with_lang=with_lang,
        **context,
    )
    response = HTMLResponse(page)
    if request.query_params.get("lang") == lang:
        response.set_cookie(LANG_COOKIE, lang, httponly=True, samesite="strict", max_age=31536000)
    return response
