"""The names of a run's stages, in order.

A module of its own, free of heavy imports, so that the command line can offer
them (``--force STAGE``) without loading the pipeline.
"""

STAGES = ("ingest", "clean", "dedupe", "embed", "fit", "assign", "trends", "report")
