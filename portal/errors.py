class ApplicationError(Exception):
    """A refused business operation; ``message`` is shown to the user as it is (Chinese by default)."""

    def __init__(self, message: str, *, extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.extra = extra or {}
