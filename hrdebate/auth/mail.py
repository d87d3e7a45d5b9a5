"""What the mail of a password reset and of an address to confirm says.
The links are made here, when the worker writes the mail: the outbox
holds no secret, and a reset link's hour starts when it is sent."""

from ..mail.compose import context_for
from ..models import MailKind, OutboxMail
from ..urls import absolute_url_for
from . import services


@context_for(MailKind.RESET)
def _reset(mail: OutboxMail) -> dict:
    user = mail.user
    return {"url": absolute_url_for("auth.reset_password", token=services.reset_token(user)),
            "username": user.username}


@context_for(MailKind.VERIFY)
def _verify(mail: OutboxMail) -> dict:
    token = services.verification_token(mail.user_id, mail.to_address)
    return {"url": absolute_url_for("auth.verify_email", token=token),
            "address": mail.to_address}
