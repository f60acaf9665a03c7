"""A refused or failed action, told on a page in both languages.

Governance functions say why they refuse (`NotPermitted`, a `ReleaseError`, a
`TriageError`); the console does not re-check anything, it shows what they said under
a heading in Chinese and English for the kind of failure, with the HTTP status to match.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from assay.console._render import render
from assay.console._users import User
from assay.errors import AssayError
from assay.govern.roles import NotPermitted

# Kind of failure -> (Chinese, English) heading.
HEADINGS = {
    "not_permitted": ("无权执行此操作", "You may not do this"),
    "refused": ("操作未完成", "The action was not taken"),
}


def failed(request: Request, user: User, exc: AssayError, back: str) -> HTMLResponse:
    """The failure page: both headings, what the governance function said, a way back."""
    kind = "not_permitted" if isinstance(exc, NotPermitted) else "refused"
    zh, en = HEADINGS[kind]
    page = render(request, "failed.html.j2", user, zh=zh, en=en, detail=str(exc), back=back)
    page.status_code = 403 if kind == "not_permitted" else 422
    return page
