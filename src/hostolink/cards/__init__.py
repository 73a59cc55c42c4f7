"""The virtual bank card of each wallet."""
