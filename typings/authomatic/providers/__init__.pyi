from typing import Any

http_client: Any

class BaseProvider:
    def __getattr__(self, name: str) -> Any: ...
