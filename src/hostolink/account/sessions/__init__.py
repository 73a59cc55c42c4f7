"""My devices and sessions: the open sessions of the caller (device, place, last seen), ending
one or all the others, and the notice of a sign-in from a new device."""
