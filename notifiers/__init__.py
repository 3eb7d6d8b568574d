"""Notifiers: one small module per channel. They read the outbox; nothing reaches back up."""
