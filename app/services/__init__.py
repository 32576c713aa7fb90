"""One function per user intention, taking ids and values (never a Request): each runs
a command and saves its events atomically. Imports persistence, domain and projections."""
