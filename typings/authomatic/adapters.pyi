from typing import Any

class BaseAdapter: ...

class WerkzeugAdapter(BaseAdapter):
    request: Any
    response: Any
    def __init__(self, request: Any, response: Any) -> None: ...
