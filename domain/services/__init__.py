"""The use cases of idgov, one service per area; ``domain.application`` builds them."""
