"""The administrators' moderation desk (see `moderation.endpoints`)."""
