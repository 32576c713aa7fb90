"""Web plumbing every audience shares: sessions, CSRF, roles, headers, rate limits, the
page cache, templating and i18n, forms, PDFs, read-your-writes. Never imports an audience."""
