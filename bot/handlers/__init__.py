"""Telegram handlers: each parses an update, asks the domain, and sends a screen."""
