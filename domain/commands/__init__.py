"""Use cases, one module per area; ``domain.application.IdentityApplication`` combines them."""
