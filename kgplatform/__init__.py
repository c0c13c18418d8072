"""kgplatform: adaptive learning on a knowledge graph."""

__version__ = "0.1.0"
