"""Referral (parrainage): invitation codes and links, campaigns run from the back-office, and
the bonuses paid from the marketing system account when an invitee's first deposit holds."""
