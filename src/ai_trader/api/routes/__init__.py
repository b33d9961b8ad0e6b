"""Thin route modules: parse the request, call the service layer, return its body."""
