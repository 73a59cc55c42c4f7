"""Outgoing SMS and e-mail: the senders (Twilio, an HTTP SMS gateway, SMTP, and the
development outbox that keeps each message in `message_sortant`), and the templates of the
few messages Hostolink writes (one-time codes). Sign-in needs them, so they sit below every
domain; a person's in-app notifications and push are `hostolink.notifications`."""
