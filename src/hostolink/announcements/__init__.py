"""Announcements and ads created by administrators, shown within their active window."""
