"""The social network: posts, comments, likes, shares, the feed, reports and moderation."""
