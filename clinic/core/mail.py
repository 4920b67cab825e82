"""An email backend that stores messages in the ``OutboxEmail`` table (the embedded default).

Senders mark emails that carry a sign-in link with the header ``X-Clinic-Sensitive: 1``.
"""

from __future__ import annotations

from django.core.mail.backends.base import BaseEmailBackend

SENSITIVE_HEADER = "X-Clinic-Sensitive"


class OutboxEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        from .models import OutboxEmail

        rows = []
        for message in email_messages:
            html = ""
            for content, mimetype in getattr(message, "alternatives", []) or []:
                if mimetype == "text/html":
                    html = content
            attachments = []
            for attachment in message.attachments:
                if isinstance(attachment, tuple):
                    filename, content, mimetype = attachment
                else:  # a MIMEBase part
                    filename = attachment.get_filename()
                    content, mimetype = attachment.get_payload(decode=True), attachment.get_content_type()
                if isinstance(content, bytes):
                    content = content.decode("utf-8", errors="replace")
                attachments.append({"filename": filename, "mimetype": mimetype, "content": content})
            rows.append(OutboxEmail(
                from_email=message.from_email, to=", ".join(message.to + message.cc + message.bcc),
                subject=message.subject, body=message.body, html_body=html, attachments=attachments,
                sensitive=message.extra_headers.get(SENSITIVE_HEADER) == "1",
            ))
        # One INSERT for a whole batch (the dispatcher hands a batch of messages over in one call).
        OutboxEmail.objects.bulk_create(rows)
        return len(rows)
