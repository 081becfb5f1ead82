"""The one exception an import raises for a file it refuses as a whole."""


class ImportRefused(Exception):
    """A file refused as a whole: too large, unsafe, unreadable or of an unknown kind.

    Free of Flask: the route turns `status`, `code`, `message` and `details` into the
    contract's error envelope.
    """

    def __init__(self, status, code, message, details=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details if details is not None else {"body": [message]}


def refused(message):
    """A 422 refusal of the upload, with the reason under `body`."""
    return ImportRefused(422, "validation_failed", message)


def too_large(message):
    """A 413 refusal of an upload over the size limit."""
    return ImportRefused(413, "payload_too_large", message)
