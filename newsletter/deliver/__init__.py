"""Delivery: build MIME messages from rendered issues (pure) and send them (the only SMTP code)."""
