"""The thin HTTP layer: routes translate HTTP to calls into the areas and back."""
