"""Canned answers (réponses types): texts the agents insert in an answer."""
