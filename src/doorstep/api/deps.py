"""What every route needs: the database, the clock, and the caller's workspace."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from doorstep.accounts.models import ApiKey, Workspace
from doorstep.accounts.services import authenticate_key
from doorstep.config import Settings
from doorstep.db import Database
from doorstep.errors import AuthError

bearer = HTTPBearer(auto_error=False, description="A workspace API key: `Authorization: Bearer dsk_…`")


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_clock(request: Request) -> Callable[[], dt.datetime]:
    clock: Callable[[], dt.datetime] = request.app.state.clock
    return clock


def get_now(clock: Annotated[Callable[[], dt.datetime], Depends(get_clock)]) -> dt.datetime:
    return clock()


class Caller:
    def __init__(self, key: ApiKey, workspace: Workspace) -> None:
        self.key = key
        self.workspace = workspace


def get_caller(
    db: Annotated[Database, Depends(get_db)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Caller:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise AuthError("send a workspace API key as 'Authorization: Bearer dsk_…'")
    with db.read() as session:
        key, workspace = authenticate_key(session=session, secret=credentials.credentials)
        session.expunge_all()
    return Caller(key, workspace)


DbDep = Annotated[Database, Depends(get_db)]
CallerDep = Annotated[Caller, Depends(get_caller)]
NowDep = Annotated[dt.datetime, Depends(get_now)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
