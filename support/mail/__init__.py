"""Mail in: customers write to support by email, and what they write lands in a request.

- `parse` and `text` read one message whatever its shape (charsets, encoded words, HTML,
  attachments, broken structure), `trim` keeps what is new in a reply;
- `routing` decides where it belongs (the request it answers, only from its requester; the
  department written to; our own mail) and which files may be kept;
- `inbound` turns it into a request, a reply, or a recorded non-request, once per
  Message-ID, in one transaction;
- `imap` fetches a mailbox (`flask support fetch`); `flask support receive` reads one
  message from an MTA's pipe (`support.cli`).
"""
