"""Which language a signed-in page speaks.

In order: the page's own ``?lang=`` (the language switch on every page is a ``?lang=``
link, and the top bar's links carry it on), then the language the person chose on
/account, then the browser's Accept-Language, then the workspace's locale. The person
is the one the page's guard found (``request.state.caller``, doorstep.web.guards);
public pages have none, and speak as before.
"""

from __future__ import annotations

from fastapi import Request

from doorstep.web.i18n import negotiate, normalise


def page_language(request: Request, lang: str | None, default: str | None) -> str:
    """"en" or "zh-CN" for this page; ``lang`` is its ``?lang=`` (or a form's hidden field),
    ``default`` the workspace's locale."""
    caller = getattr(request.state, "caller", None)
    preferred = lang if normalise(lang) else getattr(caller, "locale", None)
    return negotiate(request.headers.get("accept-language"), preferred, default or "en")
