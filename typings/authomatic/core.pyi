import logging
from typing import Any, Callable, Optional

def resolve_provider_class(class_: Any) -> type: ...

class User:
    provider: Any
    credentials: Optional[Credentials]
    id: Any
    name: Optional[str]
    email: Optional[str]
    username: Optional[str]
    def update(self) -> Any: ...
    def __getattr__(self, name: str) -> Any: ...

class Credentials:
    token: str
    refresh_token: str
    expiration_time: int
    provider_name: str
    @property
    def valid(self) -> bool: ...
    def expire_soon(self, seconds: int) -> bool: ...
    def refresh(self, force: bool = ..., soon: int = ...) -> Optional[Response]: ...
    def serialize(self) -> str: ...

class Response:
    status: int
    content: str
    data: Any

class LoginResult:
    provider: Any
    error: Optional[Any]
    def __init__(self, provider: Any) -> None: ...
    @property
    def user(self) -> Optional[User]: ...

class Authomatic:
    config: Any
    secret: Optional[str]
    session_max_age: Optional[int]
    secure_cookie: bool
    session: Any
    session_save_method: Optional[Callable[[], Any]]
    report_errors: bool
    debug: bool
    logging_level: int
    prefix: str
    _logger: logging.Logger
    def __init__(self, config: Any, secret: Optional[str], session_max_age: Optional[int] = ...,
                 secure_cookie: bool = ..., session: Any = ...,
                 session_save_method: Optional[Callable[[], Any]] = ...,
                 report_errors: bool = ..., debug: bool = ..., logging_level: int = ...,
                 prefix: str = ..., logger: Optional[logging.Logger] = ...) -> None: ...
    def login(self, adapter: Any, provider_name: str, callback: Optional[Callable[..., Any]] = ...,
              session: Any = ..., session_saver: Optional[Callable[[], Any]] = ...,
              **kwargs: Any) -> Optional[LoginResult]: ...
    def credentials(self, credentials: Any) -> Credentials: ...
    def access(self, credentials: Any, url: str, params: Optional[dict[str, Any]] = ...,
               method: str = ..., headers: Optional[dict[str, str]] = ..., body: str = ...,
               max_redirects: int = ...,
               content_parser: Optional[Callable[..., Any]] = ...) -> Response: ...
