"""The moderators' workspace at /moderation: the blind queue and its decisions.
An audience: no other audience is imported."""
