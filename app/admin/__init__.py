"""The organizers' admin at /admin: draft, preview, schedule and run a consultation,
its documents and report. An audience: no other audience is imported."""
