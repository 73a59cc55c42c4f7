"""The account's secret, changed by its owner while signed in (`/api/mon-compte/mot-de-passe`)."""
