"""What the application does once, when it starts, so that readers do not wait for it."""

from __future__ import annotations

import gc

from asgi_lifespan import LifespanManager

from app.asgi import create_app
from app.web.templating import templates


async def test_start_up_objects_are_kept_out_of_the_collectors_way(database_url: str) -> None:
    async with LifespanManager(create_app(database_url, projector=False)):
        assert gc.get_freeze_count() > 0
        cache = templates("en").env.cache
        assert cache is not None
        assert any("submission_show.html" in str(key) for key in cache)  # compiled already
    assert gc.get_freeze_count() == 0  # handed back when the application stops
