"""The error every domain service raises when one of its rules stops a change."""


class DomainError(Exception):
    """A rule stopped the change; nothing was written by the service.

    `message` is for the user (a Babel string, also lazy); `field` names the form field it belongs to, or None
    when it concerns the whole form. Views show it with `crm.forms.show_error`, the API as a problem's field
    message. Each domain has its own subclass so a view catches only what its services raise.
    """

    # True for "someone else saved this record since it was loaded": the API answers 409 instead of 422.
    conflict = False

    def __init__(self, message: object, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field
