"""Audit archive: old curriculum audit entries moved to a file, then out of the graph (`kgplatform audit`)."""
