"""Request and response bodies, one module per area, named by direction (Create, Update, Public)."""
