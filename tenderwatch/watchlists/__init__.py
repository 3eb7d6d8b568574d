"""Watchlist files: loading, validation with file:line:column problems, and the frozen model."""

from tenderwatch.watchlists.loader import Problem, WatchlistError, check_paths, load_watchlists
from tenderwatch.watchlists.model import EmailSubscriber, Entity, Routing, Watchlist, WatchlistSet

__all__ = ["EmailSubscriber", "Entity", "Problem", "Routing", "Watchlist", "WatchlistError", "WatchlistSet",
           "check_paths", "load_watchlists"]
