"""A dispatcher process for the crash-safety test: deliver until nothing is pending, then exit 0."""

from __future__ import annotations

import sys

from tenderwatch.config import Config
from tenderwatch.dispatch import Dispatcher
from tenderwatch.store import Store


def main() -> int:
    config = Config.from_env()
    with Store(config.db_path) as store:
        dispatcher = Dispatcher(store, config, out=sys.stderr)
        while store.alert_counts()["pending"]:
            dispatcher.run_once()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
