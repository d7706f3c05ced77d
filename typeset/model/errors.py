"""The one error type a user can cause: printed as one line, exit code 1."""


class UserError(Exception):
    """A problem in the user's input or machine that the user can fix.

    `where` names the file (and field or line), `message` says what is wrong and what to do.
    """

    def __init__(self, message: str, where: str | None = None):
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}" if where else message)
