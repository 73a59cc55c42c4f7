"""The web back-office at `/admin` for the administration team: sign-in with a session
cookie, screens drawn by sqladmin, actions through the domain services, all audited."""
