"""The installable web app (PWA) served at `/`: static files only, talking to the public
JSON API like any other client."""
