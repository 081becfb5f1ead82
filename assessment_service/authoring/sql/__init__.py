"""Hand-written SQL of the authoring room, one module per table."""
