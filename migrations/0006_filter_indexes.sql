-- The published list filtered by region or by channel walks these in order instead of
-- skipping over every other region's rows (17 ms at 1 M submissions without them).
CREATE INDEX public_submissions_region_idx ON public_submissions
    (consultation_id, region, published_at DESC, submission_id DESC) WHERE status = 'published';
CREATE INDEX public_submissions_channel_idx ON public_submissions
    (consultation_id, channel, published_at DESC, submission_id DESC) WHERE status = 'published';
